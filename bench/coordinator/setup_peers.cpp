// Load-script inputs for bench/coordinator/run.sh, from a running coordinator.
//   coord_bench_setup URL INVITE N OUTFILE
//     registers N peers and writes "peer_id token" lines (heartbeat.lua)
//   coord_bench_setup --bodies URL INVITE N OUTFILE
//     writes N register bodies, one JSON object a line, each for a fresh key and proven
//     against its own challenge (register.lua). The challenges are single-use and expire
//     after 60 s, so the bodies are made right before the register run and each is sent once.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>

#include "wirelink/base/keys.hpp"
#include "wirelink/coordinator/client.hpp"
#include "wirelink/coordinator/register_proof.hpp"
#include "wirelink/coordinator/wire.hpp"

using namespace wl::coordinator;

namespace {

int register_peers(CoordinatorClient& cl, const char* invite, int n, std::ofstream& out) {
  for (int i = 0; i < n; ++i) {
    const auto own = wl::generate_private_key();
    wire::RegisterRequest r;
    r.peer_id = wl::public_key_of(own);
    r.invite = invite;
    auto ack = cl.register_peer(r, own);
    if (!ack) {
      std::cerr << "register " << i << ": " << ack.error().message() << "\n";
      return 1;
    }
    out << r.peer_id.to_base64() << " " << ack->session_token << "\n";
  }
  return 0;
}

int proven_bodies(CoordinatorClient& cl, const char* invite, int n, std::ofstream& out) {
  for (int i = 0; i < n; ++i) {
    auto raw = cl.request("GET", "/api/v1/challenge", "");
    if (!raw || raw->status != 200) {
      std::cerr << "challenge " << i << ": GET /api/v1/challenge failed\n";
      return 1;
    }
    auto ch = wire::parse_challenge(raw->body);
    auto coordinator =
        ch ? wl::PublicKey::parse(ch->coordinator_key) : wl::Result<wl::PublicKey>(ch.error());
    if (!coordinator) {
      std::cerr << "challenge " << i << ": " << coordinator.error().message() << "\n";
      return 1;
    }
    const auto own = wl::generate_private_key();
    wire::RegisterRequest r;
    r.peer_id = wl::public_key_of(own);
    r.invite = invite;
    r.challenge = ch->challenge;
    auto proof = make_register_proof(r, own, *coordinator);
    if (!proof) {
      std::cerr << "proof " << i << ": " << proof.error().message() << "\n";
      return 1;
    }
    r.proof = std::move(*proof);
    out << wire::to_json(r) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool bodies = argc > 1 && std::strcmp(argv[1], "--bodies") == 0;
  char** a = argv + (bodies ? 1 : 0);
  if (argc - (bodies ? 1 : 0) != 5) {
    std::cerr << "usage: coord_bench_setup [--bodies] URL INVITE N OUTFILE\n";
    return 2;
  }
  CoordinatorClient cl({a[1]});
  const int n = std::atoi(a[3]);
  std::ofstream out(a[4]);
  return bodies ? proven_bodies(cl, a[2], n, out) : register_peers(cl, a[2], n, out);
}
