// Fuzzes the coordinator's request and reply body parsers (the JSON every endpoint accepts,
// and what the client accepts back), and the registration challenge decoder. Round trip:
// whatever parses must re-serialise to something that parses to the same peer.
#include <cstdlib>
#include <string_view>

#include "wirelink/coordinator/register_challenge.hpp"
#include "wirelink/coordinator/register_proof.hpp"
#include "wirelink/coordinator/wire.hpp"

using namespace wl::coordinator;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto r = wire::parse_register(in); r.ok()) {
    auto again = wire::parse_register(wire::to_json(*r));
    if (!again.ok() || again->peer_id != r->peer_id || again->capacity_hint != r->capacity_hint ||
        again->challenge != r->challenge || again->proof != r->proof)
      std::abort();
    // The coordinator's proof check and challenge decoder take any parsed request; a challenge
    // tagged under a key made in this run cannot come from the input.
    static const wl::PrivateKey coordinator = wl::generate_private_key();
    static const wl::PublicKey coordinator_pub = wl::public_key_of(coordinator);
    (void)check_register_proof(*r, coordinator, coordinator_pub);
    static const ChallengeKey key = [] {
      ChallengeKey k;
      randombytes_buf(k.data(), k.size());
      return k;
    }();
    if (open_challenge(r->challenge, key, coordinator_pub).ok()) std::abort();  // a 256-bit tag
  }
  if (auto c = wire::parse_challenge(in); c.ok()) {
    if (!wire::parse_challenge(wire::to_json(*c)).ok()) std::abort();
  }
  if (auto r = wire::parse_match(in); r.ok()) {
    if (r->hops < 1 || r->hops > 2) std::abort();
    if (!wire::parse_match(wire::to_json(*r)).ok()) std::abort();
  }
  if (auto r = wire::parse_heartbeat(in); r.ok()) {
    if (!wire::parse_heartbeat(wire::to_json(*r)).ok()) std::abort();
  }
  if (auto r = wire::parse_disconnect(in); r.ok()) {
    if (!wire::parse_disconnect(wire::to_json(*r)).ok()) std::abort();
  }
  if (auto r = wire::parse_event(in); r.ok()) {
    if (!wire::parse_event(wire::to_json(*r)).ok()) std::abort();
  }
  (void)wire::parse_register_ack(in);
  (void)wire::parse_match_response(in);
  (void)wire::parse_heartbeat_ack(in);
  (void)wire::parse_error(in);
  return 0;
}
