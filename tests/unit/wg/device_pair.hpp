// Two userspace WireGuard Devices joined back to back over a FakeNetwork, each over a FakeTun,
// running their real data-plane threads: A at 192.0.2.1 (tunnel 10.0.0.1), B at 192.0.2.2
// (tunnel 10.0.0.2), each the other's only peer. Tests push packets into one TUN and wait for
// what the other writes; no timers run unless a test calls Device::run().
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "two_peers.hpp"
#include "wirelink/wg/device/device.hpp"
#include "wirelink/wg/device/offload.hpp"
#include "wirelink/wg/device_fake/fake_network.hpp"
#include "wirelink/wg/device_fake/fake_tun.hpp"

namespace wgdevtest {

using namespace wl;
using namespace wl::wg;
using namespace wl::wg::device;
using Packet = FakeTun::Packet;

struct Side {
  FakeTun* tun = nullptr;  // owned by dev
  std::unique_ptr<Device> dev;
  PrivateKey priv;
  PublicKey pub;
  IpAddress host;
  std::array<std::uint8_t, 4> tunnel{};
  Endpoint endpoint() const { return Endpoint(host, dev->get_state().listen_port); }
  // A's or B's view of its one peer.
  wl::device_model::PeerState peer() const {
    auto s = dev->get_state();
    return s.peers.empty() ? wl::device_model::PeerState{} : std::move(s.peers.front());
  }
};

struct PairOptions {
  bool vnet = false;       // TUNs with virtio-net headers (TSO in, coalesced writes out)
  bool coalesce = false;   // the network delivers GSO batches as GRO super-datagrams
  int crypto_workers = 0;  // extra AEAD threads per direction
};

class DevicePair {
 public:
  explicit DevicePair(PairOptions o = {}) : net(o.coalesce) {
    std::string t = (std::filesystem::temp_directory_path() / "wlwg-XXXXXX").string();
    dir = ::mkdtemp(t.data());  // the UAPI sockets' directory
    open(a, "wla", "192.0.2.1", {10, 0, 0, 1}, o);
    open(b, "wlb", "192.0.2.2", {10, 0, 0, 2}, o);
    connect(a, b);
    connect(b, a);
  }

  // A packet from one side's tunnel address to the other's (UDP, `n` bytes of payload).
  Packet a_to_b(std::size_t n = 100, std::uint8_t fill = 0xab) const {
    return wgtest::ipv4_packet(a.tunnel, b.tunnel, n, fill);
  }
  Packet b_to_a(std::size_t n = 100, std::uint8_t fill = 0xcd) const {
    return wgtest::ipv4_packet(b.tunnel, a.tunnel, n, fill);
  }
  // Returns once the side's TUN thread has finished every batch it read so far (its send
  // counters are updated after the send): it is handed a packet no peer routes and must read it.
  static void settle(Side& s) {
    s.tun->push({wgtest::ipv4_packet(s.tunnel, {192, 0, 2, 99}, 20)});
    EXPECT_TRUE(s.tun->wait_read());
  }
  // With vnet TUNs, what the host hands the TUN for a plain packet: an empty virtio-net header
  // in front.
  static Packet with_vnet(Packet p) {
    p.insert(p.begin(), VnetHdr::kSize, 0);
    return p;
  }

  ~DevicePair() {
    a.dev.reset();  // stops the threads and removes the sockets
    b.dev.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  DevicePair(const DevicePair&) = delete;
  DevicePair& operator=(const DevicePair&) = delete;

  FakeNetwork net;  // declared first: outlives the devices' sockets
  std::string dir;
  Side a;
  Side b;

 private:
  void open(Side& s, const std::string& name, const char* host, std::array<std::uint8_t, 4> tunnel,
            const PairOptions& o) {
    auto tun = std::make_unique<FakeTun>(name, o.vnet);
    s.tun = tun.get();
    s.host = *IpAddress::parse(host);
    s.tunnel = tunnel;
    s.priv = generate_private_key();
    s.pub = public_key_of(s.priv);
    DeviceOptions opt;
    opt.ifname = name;
    opt.crypto_workers = o.crypto_workers;
    opt.socket_dir = dir;
    auto d = Device::create(opt, std::move(tun), net.binder(s.host));
    if (!d) {
      ADD_FAILURE() << d.error().message();
      return;
    }
    s.dev = std::move(*d);
    wl::device_model::DeviceConfig cfg;
    cfg.private_key = s.priv.clone();
    EXPECT_EQ(s.dev->apply(cfg), 0);
  }
  static void connect(Side& from, const Side& to) {
    wl::device_model::DeviceConfig cfg;
    wl::device_model::PeerConfig p;
    p.public_key = to.pub;
    p.endpoint = to.endpoint();
    p.allowed_ips.push_back(wl::device_model::AllowedIp{Cidr(IpAddress::v4(to.tunnel), 32)});
    cfg.peers.push_back(std::move(p));
    EXPECT_EQ(from.dev->apply(cfg), 0);
  }
};

}  // namespace wgdevtest
