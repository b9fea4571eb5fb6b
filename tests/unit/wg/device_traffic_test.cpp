// The device's data plane over fake TUNs and a fake network: handshake on first packet, delivery
// both ways, cryptokey routing on the way out and on the way in, junk from the wire, and the
// batch paths (UDP GSO/GRO, TUN TSO and coalesced writes).
#include <gtest/gtest.h>

#include <cstring>

#include "device_pair.hpp"

namespace wgdevtest {
namespace {

TEST(DeviceTraffic, FirstPacketHandshakesAndArrivesThenTheReplyToo) {
  DevicePair p;
  const Packet ping = p.a_to_b();
  p.a.tun->push({ping});
  const auto at_b = p.b.tun->wait_written(1);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0], ping);

  const Packet pong = p.b_to_a(300);
  p.b.tun->push({pong});
  const auto at_a = p.a.tun->wait_written(1);
  ASSERT_EQ(at_a.size(), 1u);
  EXPECT_EQ(at_a[0], pong);

  // Initiation, response, ping, pong: every datagram found its socket.
  EXPECT_EQ(p.net.delivered(), 4u);
  EXPECT_EQ(p.net.lost(), 0u);
  EXPECT_NE(p.a.peer().last_handshake.time_since_epoch().count(), 0);
  EXPECT_NE(p.b.peer().last_handshake.time_since_epoch().count(), 0);
}

TEST(DeviceTraffic, PacketOutsideEveryAllowedIpIsDroppedBeforeTheWire) {
  DevicePair p;
  const Packet stray = wgtest::ipv4_packet(p.a.tunnel, {10, 0, 0, 99}, 100, 0x11);
  const Packet good = p.a_to_b(100, 0x22);
  // One batch: the stray packet is routed (and dropped) before the good one.
  p.a.tun->push({stray, good});
  const auto at_b = p.b.tun->wait_written(1);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0], good);
  EXPECT_EQ(p.a.tun->pending(), 0u);
  // Initiation, response and one data packet; nothing went to an unknown endpoint.
  EXPECT_EQ(p.net.delivered(), 3u);
  EXPECT_EQ(p.net.lost(), 0u);
}

TEST(DeviceTraffic, InnerSourceOutsideThePeersAllowedIpsIsDroppedOnArrival) {
  DevicePair p;
  p.a.tun->push({p.a_to_b()});
  ASSERT_EQ(p.b.tun->wait_written(1).size(), 1u);
  // B routes by destination (10.0.0.1 is A's), A checks the source against B's allowed IPs.
  const Packet spoofed = wgtest::ipv4_packet({10, 0, 0, 99}, p.a.tunnel, 100, 0x33);
  const Packet honest = p.b_to_a(100, 0x44);
  p.b.tun->push({spoofed, honest});
  const auto at_a = p.a.tun->wait_written(1);
  ASSERT_EQ(at_a.size(), 1u);
  EXPECT_EQ(at_a[0], honest);
}

TEST(DeviceTraffic, JunkFromTheWireIsDroppedAndMovesNothing) {
  DevicePair p;
  const Endpoint b_at = p.b.endpoint();
  const Endpoint stranger(*IpAddress::parse("198.51.100.7"), 9);
  // Queued at B before A's first packet, so B has handled them when that packet arrives.
  std::vector<std::uint8_t> noise(50, 0x77);   // no message type
  std::vector<std::uint8_t> transport(64, 0);  // a transport header, unknown receiver
  transport[0] = 4;
  transport[4] = 0x5a;
  std::vector<std::uint8_t> initiation(148, 0);  // an initiation with a wrong MAC
  initiation[0] = 1;
  std::vector<std::uint8_t> runt = {4, 0, 0};  // shorter than any message
  for (const auto* d : {&noise, &transport, &initiation, &runt}) p.net.inject(stranger, b_at, *d);

  const Packet ping = p.a_to_b();
  p.a.tun->push({ping});
  const auto at_b = p.b.tun->wait_written(1);
  ASSERT_EQ(at_b.size(), 1u);
  EXPECT_EQ(at_b[0], ping);
  const device_model::PeerState a_seen_by_b = p.b.peer();
  // The junk neither counts as A's traffic nor moves A's endpoint to where the junk came from;
  // A's initiation (148) and data (32 + the 120-byte packet padded to 128) do.
  EXPECT_EQ(a_seen_by_b.rx_bytes, 148u + 160u);
  ASSERT_TRUE(a_seen_by_b.endpoint.has_value());
  EXPECT_EQ(*a_seen_by_b.endpoint, p.a.endpoint());
  // B answered nobody but A: one response, no cookie reply to the stranger.
  EXPECT_EQ(p.net.lost(), 0u);
}

TEST(DeviceTraffic, BatchLeavesAsOneGsoSendAndIsSplitOnArrival) {
  DevicePair p(PairOptions{.coalesce = true, .crypto_workers = 1});
  p.a.tun->push({p.a_to_b()});
  ASSERT_EQ(p.b.tun->wait_written(1).size(), 1u);
  ASSERT_EQ(p.net.coalesced(), 0u);

  // One read batch for one peer: one run, sealed over the crypto pool, sent as one GSO batch
  // of equal datagrams, received as one GRO super-datagram that B must split.
  std::vector<Packet> burst;
  for (std::uint8_t i = 0; i < 16; ++i) burst.push_back(p.a_to_b(1000, i));
  p.a.tun->push(burst);
  const auto at_b = p.b.tun->wait_written(17);
  ASSERT_EQ(at_b.size(), 17u);
  for (std::size_t i = 0; i < burst.size(); ++i) EXPECT_EQ(at_b[i + 1], burst[i]) << i;
  EXPECT_EQ(p.net.coalesced(), 1u);
}

// A TCP/IPv4 packet 10.0.0.1:5000 -> 10.0.0.2:49153 with ACK only and `payload` bytes, whose
// checksum field holds the pseudo-header sum, as a TSO super-packet arrives from the kernel.
Packet tcp4(std::size_t payload) {
  Packet p(40 + payload);
  p[0] = 0x45;
  p[2] = static_cast<std::uint8_t>(p.size() >> 8);
  p[3] = static_cast<std::uint8_t>(p.size());
  p[6] = 0x40;  // DF
  p[8] = 64;
  p[9] = 6;
  const std::uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
  std::memcpy(p.data() + 12, addrs, 8);
  std::uint8_t* t = p.data() + 20;
  t[0] = 0x13;
  t[1] = 0x88;
  t[2] = 0xc0;
  t[3] = 0x01;
  t[7] = 0x01;   // seq 1
  t[12] = 0x50;  // 20-byte header
  t[13] = 0x10;  // ACK
  t[14] = 0xff;
  for (std::size_t i = 0; i < payload; ++i) p[40 + i] = static_cast<std::uint8_t>(i * 13 + 5);
  return p;
}

TEST(DeviceTraffic, TsoSuperPacketIsSegmentedAndWrittenBackCoalesced) {
  DevicePair p(PairOptions{.vnet = true, .coalesce = true});
  p.a.tun->push({DevicePair::with_vnet(p.a_to_b())});
  ASSERT_EQ(p.b.tun->wait_written(1).size(), 1u);

  const Packet super = tcp4(3000);
  VnetHdr h;
  h.flags = VnetHdr::kNeedsCsum;
  h.gso_type = VnetHdr::kGsoTcpV4;
  h.hdr_len = 40;
  h.gso_size = 1000;
  h.csum_start = 20;
  h.csum_offset = 16;
  Packet in(VnetHdr::kSize);
  h.store(in.data());
  in.insert(in.end(), super.begin(), super.end());
  p.a.tun->push({in});

  // Three 1000-byte segments on the wire, one coalesced write at B.
  const auto at_b = p.b.tun->wait_written(2);
  ASSERT_EQ(at_b.size(), 2u);
  const Packet& out = at_b[1];
  ASSERT_EQ(out.size(), VnetHdr::kSize + super.size());
  const VnetHdr got = VnetHdr::load(out.data());
  EXPECT_EQ(got.gso_type, VnetHdr::kGsoTcpV4);
  EXPECT_EQ(got.gso_size, 1000);
  EXPECT_EQ(got.hdr_len, 40);
  EXPECT_TRUE(std::equal(super.begin() + 40, super.end(), out.begin() + VnetHdr::kSize + 40));
  EXPECT_EQ(p.net.coalesced(), 1u);
}

}  // namespace
}  // namespace wgdevtest
