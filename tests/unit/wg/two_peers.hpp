// Two noise Engines in one process joined by an in-memory "network" with a shared fake clock.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/wg/noise/engine.hpp"

namespace wgtest {

using namespace wl::wg::noise;
using namespace std::chrono_literals;

struct Datagram {
  wl::Endpoint to;
  std::vector<std::uint8_t> bytes;
};

struct Wire : PacketSink {
  std::deque<Datagram> out;
  void send_to_peer(Peer& p, std::span<const std::uint8_t> d) override {
    if (p.endpoint) out.push_back({*p.endpoint, {d.begin(), d.end()}});
  }
  void send_to_endpoint(const wl::Endpoint& to, std::span<const std::uint8_t> d) override {
    out.push_back({to, {d.begin(), d.end()}});
  }
  std::size_t count(MessageType t) const {
    std::size_t n = 0;
    for (const auto& d : out)
      if (classify(d.bytes) == t) ++n;
    return n;
  }
};

inline std::vector<std::uint8_t> ipv4_packet(std::array<std::uint8_t, 4> src,
                                             std::array<std::uint8_t, 4> dst, std::size_t payload,
                                             std::uint8_t fill = 0xab) {
  std::vector<std::uint8_t> p(20 + payload, fill);
  const std::size_t len = p.size();
  p[0] = 0x45;
  p[1] = 0;
  p[2] = static_cast<std::uint8_t>(len >> 8);
  p[3] = static_cast<std::uint8_t>(len);
  p[8] = 64;
  p[9] = 17;
  std::copy(src.begin(), src.end(), p.begin() + 12);
  std::copy(dst.begin(), dst.end(), p.begin() + 16);
  return p;
}

struct Node {
  Wire wire;
  std::unique_ptr<Engine> engine;
  wl::PrivateKey priv;
  wl::PublicKey pub;
  wl::Endpoint addr;
  std::vector<std::vector<std::uint8_t>> delivered;
  std::size_t keepalives = 0;

  Node(const wl::Clock& clock, wl::Endpoint a) : addr(a) {
    engine = std::make_unique<Engine>(clock, wire);
    priv = wl::generate_private_key();
    pub = wl::public_key_of(priv);
    engine->set_private_key(&priv);
  }
  Engine& e() { return *engine; }
};

// A at 192.0.2.1:1000 (tunnel 10.0.0.1), B at 192.0.2.2:2000 (tunnel 10.0.0.2).
struct TwoPeers {
  wl::FakeClock clock;
  Node a{clock, wl::Endpoint(*wl::IpAddress::parse("192.0.2.1"), 1000)};
  Node b{clock, wl::Endpoint(*wl::IpAddress::parse("192.0.2.2"), 2000)};
  std::shared_ptr<Peer> a_b;  // A's view of B
  std::shared_ptr<Peer> b_a;

  explicit TwoPeers(bool b_knows_a_endpoint = true) {
    a_b = a.e().add_peer(b.pub);
    a_b->endpoint = b.addr;
    a.e().allowed_ips().insert(*wl::Cidr::parse("10.0.0.2/32"), a_b.get());
    b_a = b.e().add_peer(a.pub);
    if (b_knows_a_endpoint) b_a->endpoint = a.addr;
    b.e().allowed_ips().insert(*wl::Cidr::parse("10.0.0.1/32"), b_a.get());
  }

  // Delivers everything queued in `from` to `to`, returns how many datagrams moved.
  std::size_t deliver(Node& from, Node& to) {
    std::size_t n = 0;
    while (!from.wire.out.empty()) {
      Datagram d = std::move(from.wire.out.front());
      from.wire.out.pop_front();
      ++n;
      if (!(d.to == to.addr)) continue;  // sent elsewhere: lost
      std::size_t inner = 0;
      auto v = to.e().receive(d.bytes, from.addr, &inner);
      if (v == RecvVerdict::deliver)
        to.delivered.emplace_back(d.bytes.begin() + 16,
                                  d.bytes.begin() + 16 + static_cast<long>(inner));
      if (v == RecvVerdict::keepalive) ++to.keepalives;
    }
    return n;
  }
  void pump() {
    for (int i = 0; i < 20; ++i)
      if (deliver(a, b) + deliver(b, a) == 0) return;
  }
  // Advances time in 50 ms steps, ticking both and optionally delivering.
  void run_for(wl::Duration d, bool connected = true) {
    const auto end = clock.now() + d;
    while (clock.now() < end) {
      clock.advance(50ms);
      a.e().tick();
      b.e().tick();
      if (connected) {
        pump();
      }
    }
  }
  void drop_all() {
    a.wire.out.clear();
    b.wire.out.clear();
  }
  std::vector<std::uint8_t> a_to_b(std::size_t n = 100) {
    return ipv4_packet({10, 0, 0, 1}, {10, 0, 0, 2}, n);
  }
  std::vector<std::uint8_t> b_to_a(std::size_t n = 100) {
    return ipv4_packet({10, 0, 0, 2}, {10, 0, 0, 1}, n);
  }
  void establish() {
    a.e().send_packet(a_to_b());
    pump();
  }
};

}  // namespace wgtest
