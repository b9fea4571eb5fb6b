// Fuzzes the datagram receive path of the noise Engine: classification, mac1/mac2, cookie
// replies, handshake consumption and transport lookup/decryption. The first byte picks
// whether the responder is under load; the rest is split on 0xFF 0xFE markers into datagrams.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/wg/noise/engine.hpp"

namespace {
struct NullSink : wl::wg::noise::PacketSink {
  std::size_t sent = 0;
  void send_to_peer(wl::wg::noise::Peer&, std::span<const std::uint8_t>) override { ++sent; }
  void send_to_endpoint(const wl::Endpoint&, std::span<const std::uint8_t>) override { ++sent; }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static wl::FakeClock clock;
  static NullSink sink;
  static wl::PrivateKey priv = [] {
    std::array<std::uint8_t, 32> k{};
    for (int i = 0; i < 32; ++i) k[i] = static_cast<std::uint8_t>(i + 1);
    return wl::PrivateKey::from(k);
  }();
  wl::wg::noise::Engine engine(clock, sink);
  engine.set_private_key(&priv);
  std::array<std::uint8_t, 32> pk{};
  pk[0] = 9;  // the curve's base point: a valid peer key
  auto peer = engine.add_peer(wl::PublicKey(pk));
  engine.allowed_ips().insert(*wl::Cidr::parse("10.0.0.0/8"), peer.get());
  if (size == 0) return 0;
  engine.force_under_load((data[0] & 1) != 0);
  const wl::Endpoint src(wl::IpAddress::v4({192, 0, 2, 1}), 51820);
  std::vector<std::uint8_t> cur;
  auto flush = [&] {
    std::vector<std::uint8_t> exact(cur);
    engine.receive(exact, src);
    cur.clear();
  };
  for (std::size_t i = 1; i < size; ++i) {
    if (i + 1 < size && data[i] == 0xFF && data[i + 1] == 0xFE) {
      flush();
      ++i;
      continue;
    }
    cur.push_back(data[i]);
  }
  flush();
  clock.advance(std::chrono::seconds(1));
  engine.tick();
  return 0;
}
