// Registers N peers with a running coordinator and writes "peer_id token" lines for the
// heartbeat load script. Usage: coord_bench_setup URL INVITE N OUTFILE
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "wirelink/base/keys.hpp"
#include "wirelink/coordinator/client.hpp"

using namespace wl::coordinator;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: coord_bench_setup URL INVITE N OUTFILE\n";
    return 2;
  }
  CoordinatorClient cl({argv[1]});
  const int n = std::atoi(argv[3]);
  std::ofstream out(argv[4]);
  for (int i = 0; i < n; ++i) {
    const auto own = wl::generate_private_key();
    const auto key = wl::public_key_of(own);
    wire::RegisterRequest r;
    r.peer_id = key;
    r.invite = argv[2];
    auto ack = cl.register_peer(r, own);
    if (!ack) {
      std::cerr << "register " << i << ": " << ack.error().message() << "\n";
      return 1;
    }
    out << key.to_base64() << " " << ack->session_token << "\n";
  }
  return 0;
}
