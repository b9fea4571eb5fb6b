// Fuzz harness for the gossip datagram decoder (and the engine's receive path behind it).
// Property: whatever decodes re-encodes to bytes that decode to the same facts; nothing
// crashes, and the engine never accepts a datagram that fails the MAC.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "wirelink/facts/codec.hpp"
#include "wirelink/facts/engine.hpp"

namespace {

wl::facts::GossipEngine& engine() {
  static wl::facts::GossipEngine e = [] {
    std::array<std::uint8_t, 32> b{};
    b.fill(0x42);
    b[0] &= 248;
    b[31] = static_cast<std::uint8_t>((b[31] & 127) | 64);
    return wl::facts::GossipEngine(wl::PrivateKey::from(std::span<const std::uint8_t, 32>(b)),
                                   wl::facts::EngineOptions{},
                                   wl::TimePoint(std::chrono::hours(1)));
  }();
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wl::facts;
  std::span<const std::uint8_t> in(data, size);
  auto d = decode_datagram(in);
  if (d.ok()) {
    std::vector<std::uint8_t> inner;
    for (const auto& wf : d.group.facts) encode_fact(wf.fact, wf.ttl_seconds, inner);
    auto again = encode_datagram(d.group.signer, d.group.nonce, d.group.tag, inner);
    auto d2 = decode_datagram(again);
    if (!d2.ok() || d2.group.facts.size() != d.group.facts.size()) std::abort();
    for (std::size_t i = 0; i < d.group.facts.size(); ++i)
      if (!(d2.group.facts[i].fact == d.group.facts[i].fact) ||
          d2.group.facts[i].ttl_seconds != d.group.facts[i].ttl_seconds)
        std::abort();
  }
  auto& e = engine();
  const auto accepted = e.counters().datagrams_accepted;
  const wl::IpAddress src = d.ok() ? wl::link_local_for(d.group.signer) : wl::IpAddress();
  e.on_datagram(src, in, wl::TimePoint(std::chrono::hours(1)));
  // Nobody knows the fuzz engine's pairwise keys: nothing may get past the MAC.
  if (e.counters().datagrams_accepted != accepted) std::abort();
  return 0;
}
