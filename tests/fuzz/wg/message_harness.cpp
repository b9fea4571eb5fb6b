// Fuzzes the datagram receive path of the noise Engine: classification, mac1/mac2, cookie
// replies, handshake consumption and transport lookup/decryption.
//
// To get past mac1 and the index lookup, every input starts from a real session: a peer
// engine completes a handshake with the device engine first, with libsodium's randomness
// replaced by a seeded generator so indices and keys are the same for every input (and the
// fuzzer can learn them). The first input byte picks "under load"; the rest is split on
// 0xFF 0xFE markers into datagrams fed to the device engine.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/wg/noise/engine.hpp"

namespace {
std::uint64_t g_state = 1;
std::uint64_t next_u64() {  // splitmix64
  std::uint64_t z = (g_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
const char* rb_name() {
  return "wirelink-fuzz-deterministic";
}
std::uint32_t rb_random() {
  return static_cast<std::uint32_t>(next_u64());
}
void rb_buf(void* p, std::size_t n) {
  auto* b = static_cast<std::uint8_t*>(p);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(next_u64());
}
randombytes_implementation g_rb = {rb_name, rb_random, nullptr, nullptr, rb_buf, nullptr};
const bool g_installed = [] {
  randombytes_set_implementation(&g_rb);
  return sodium_init() >= 0;
}();

struct Queue : wl::wg::noise::PacketSink {
  std::vector<std::vector<std::uint8_t>> out;
  void send_to_peer(wl::wg::noise::Peer&, std::span<const std::uint8_t> d) override {
    out.emplace_back(d.begin(), d.end());
  }
  void send_to_endpoint(const wl::Endpoint&, std::span<const std::uint8_t> d) override {
    out.emplace_back(d.begin(), d.end());
  }
};

wl::PrivateKey fixed_key(std::uint8_t base) {
  std::array<std::uint8_t, 32> k{};
  for (int i = 0; i < 32; ++i) k[i] = static_cast<std::uint8_t>(base + i);
  k[0] &= 248;
  k[31] = static_cast<std::uint8_t>((k[31] & 127) | 64);
  return wl::PrivateKey::from(k);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!g_installed) return 0;
  g_state = 1;
  wl::FakeClock clock;
  Queue dev_out, peer_out;
  wl::wg::noise::Engine dev(clock, dev_out);
  wl::wg::noise::Engine peer(clock, peer_out);
  const wl::PrivateKey dk = fixed_key(1), pk = fixed_key(101);
  dev.set_private_key(&dk);
  peer.set_private_key(&pk);
  const wl::Endpoint dev_ep(wl::IpAddress::v4({192, 0, 2, 1}), 51820);
  const wl::Endpoint peer_ep(wl::IpAddress::v4({192, 0, 2, 2}), 51821);
  auto p_on_dev = dev.add_peer(wl::public_key_of(pk));
  auto d_on_peer = peer.add_peer(wl::public_key_of(dk));
  d_on_peer->endpoint = dev_ep;
  dev.allowed_ips().insert(*wl::Cidr::parse("10.0.0.0/8"), p_on_dev.get());
  peer.allowed_ips().insert(*wl::Cidr::parse("0.0.0.0/0"), d_on_peer.get());
  // Handshake + one data packet so the device holds a confirmed keypair.
  std::vector<std::uint8_t> ping(28, 0);
  ping[0] = 0x45;
  ping[3] = 28;
  ping[12] = 10;
  ping[15] = 2;
  peer.send_packet(ping);
  for (int round = 0; round < 3; ++round) {
    for (auto& m : peer_out.out) dev.receive(m, peer_ep);
    peer_out.out.clear();
    for (auto& m : dev_out.out) peer.receive(m, dev_ep);
    dev_out.out.clear();
  }
  if (size == 0) return 0;
  dev.force_under_load((data[0] & 1) != 0);
  std::vector<std::uint8_t> cur;
  auto flush = [&] {
    std::vector<std::uint8_t> exact(cur);
    dev.receive(exact, peer_ep);
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
  dev.tick();
  return 0;
}
