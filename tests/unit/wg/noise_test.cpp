// Two Engines in one process: handshake, transport both ways, replay protection, cookies
// under load, roaming, cryptokey routing and malformed messages of every type.
#include <gtest/gtest.h>

#include "two_peers.hpp"

using namespace wgtest;

TEST(WgNoise, HandshakeThenDataBothWays) {
  TwoPeers t;
  auto pkt = t.a_to_b(100);
  EXPECT_FALSE(t.a.e().send_packet(pkt));  // no session yet: staged, initiation sent
  ASSERT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.deliver(t.a, t.b);
  ASSERT_EQ(t.b.wire.count(MessageType::response), 1u);
  EXPECT_TRUE(t.b_a->next != nullptr);
  EXPECT_TRUE(t.b_a->current == nullptr);
  t.deliver(t.b, t.a);
  ASSERT_TRUE(t.a_b->current != nullptr);
  EXPECT_NE(t.a_b->last_handshake, wl::WallTime{});
  // The staged packet follows the handshake.
  ASSERT_EQ(t.a.wire.count(MessageType::transport), 1u);
  t.deliver(t.a, t.b);
  ASSERT_EQ(t.b.delivered.size(), 1u);
  EXPECT_EQ(t.b.delivered[0], pkt);
  // Key confirmation promoted B's next keypair.
  EXPECT_TRUE(t.b_a->current != nullptr);
  EXPECT_TRUE(t.b_a->next == nullptr);
  EXPECT_NE(t.b_a->last_handshake, wl::WallTime{});

  auto back = t.b_to_a(33);
  EXPECT_TRUE(t.b.e().send_packet(back));
  t.deliver(t.b, t.a);
  ASSERT_EQ(t.a.delivered.size(), 1u);
  EXPECT_EQ(t.a.delivered[0], back);
  // Byte counters agree both ways (handshake + data datagrams).
  EXPECT_EQ(t.a_b->tx_bytes, t.b_a->rx_bytes);
  EXPECT_EQ(t.b_a->tx_bytes, t.a_b->rx_bytes);
  EXPECT_EQ(t.a.e().stats().handshakes_completed, 1u);
}

TEST(WgNoise, TransportIsPaddedToSixteen) {
  TwoPeers t;
  t.establish();
  t.a.wire.out.clear();
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b(1)));  // 21-byte IP packet
  ASSERT_EQ(t.a.wire.out.size(), 1u);
  EXPECT_EQ(t.a.wire.out[0].bytes.size(), 16u + 32u + 16u);
}

TEST(WgNoise, ReplayedDataRejected) {
  TwoPeers t;
  t.establish();
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  auto copy = t.a.wire.out.back();
  t.deliver(t.a, t.b);
  const auto got = t.b.delivered.size();
  auto v = t.b.e().receive(copy.bytes, t.a.addr);
  EXPECT_EQ(v, RecvVerdict::drop);
  EXPECT_EQ(t.b.delivered.size(), got);
  EXPECT_EQ(t.b.e().stats().replayed_data, 1u);
}

TEST(WgNoise, ReplayedInitiationRejectedAndFloodLimited) {
  TwoPeers t;
  t.a.e().initiate(*t.a_b, false);
  auto init = t.a.wire.out.back();
  t.deliver(t.a, t.b);
  EXPECT_EQ(t.b.wire.count(MessageType::response), 1u);
  t.b.wire.out.clear();
  t.clock.advance(1s);
  auto copy = init.bytes;
  t.b.e().receive(copy, t.a.addr);
  EXPECT_EQ(t.b.e().stats().replayed_initiation, 1u);
  EXPECT_TRUE(t.b.wire.out.empty());

  // A second initiator with A's key sends a fresh initiation 18 ms after a first one: the
  // timestamps differ (2^24 ns granularity) but 50/s per peer is the limit.
  wl::FakeClock& clock = t.clock;
  Node a2(clock, t.a.addr);
  a2.engine->set_private_key(&t.a.priv);
  auto p2 = a2.e().add_peer(t.b.pub);
  p2->endpoint = t.b.addr;
  t.clock.advance(5s);
  t.a.e().initiate(*t.a_b, false);
  t.deliver(t.a, t.b);
  EXPECT_EQ(t.b.wire.count(MessageType::response), 1u);
  t.clock.advance(18ms);
  a2.e().initiate(*p2, false);
  t.deliver(a2, t.b);
  EXPECT_EQ(t.b.e().stats().flooded_initiation, 1u);
  EXPECT_EQ(t.b.wire.count(MessageType::response), 1u);
}

TEST(WgNoise, UnderLoadAnswersWithCookieThenAcceptsMac2) {
  TwoPeers t;
  t.b.e().force_under_load(true);
  t.a.e().send_packet(t.a_to_b());
  t.deliver(t.a, t.b);
  EXPECT_EQ(t.b.e().stats().cookies_sent, 1u);
  ASSERT_EQ(t.b.wire.count(MessageType::cookie_reply), 1u);
  EXPECT_EQ(t.b.wire.count(MessageType::response), 0u);
  t.deliver(t.b, t.a);
  EXPECT_EQ(t.a.e().stats().cookies_received, 1u);
  EXPECT_TRUE(t.a_b->cookies.has_fresh_cookie(t.clock.now()));
  // The cookie reply does not cause an immediate resend; the retransmit timer does.
  EXPECT_TRUE(t.a.wire.out.empty());
  t.run_for(6s);
  EXPECT_TRUE(t.a_b->current != nullptr);
  EXPECT_EQ(t.b.delivered.size(), 1u);
  EXPECT_GE(t.b.e().stats().handshakes_completed, 1u);
}

TEST(WgNoise, UnderLoadRatelimitsValidMac2) {
  TwoPeers t;
  t.b.e().force_under_load(true);
  t.a.e().initiate(*t.a_b, false);
  t.deliver(t.a, t.b);
  t.deliver(t.b, t.a);  // cookie
  int accepted_or_limited = 0;
  for (int i = 0; i < 10; ++i) {
    t.clock.advance(
        5s);  // each initiation is fresh, but the bucket refills at 20/s... 5 s refills it
    t.a.e().initiate(*t.a_b, false);
    t.deliver(t.a, t.b);
    ++accepted_or_limited;
  }
  EXPECT_EQ(t.b.e().stats().ratelimited, 0u);
  // Now a burst of 10 valid-mac2 initiations from the same address within one instant.
  std::vector<std::vector<std::uint8_t>> burst;
  for (int i = 0; i < 10; ++i) {
    t.a_b->last_sent_handshake = wl::TimePoint::min();
    t.clock.step_wall(20ms);
    t.a.e().initiate(*t.a_b, false);
    burst.push_back(t.a.wire.out.back().bytes);
    t.a.wire.out.clear();
  }
  for (auto& m : burst) t.b.e().receive(m, t.a.addr);
  EXPECT_GE(t.b.e().stats().ratelimited, 5u);
}

// A transport-data datagram (type 4) to `receiver_index` whose counter and tag are zeros: what
// an off-path attacker who guessed the index can send.
static std::vector<std::uint8_t> forged_transport(std::uint32_t receiver_index) {
  std::vector<std::uint8_t> junk(64, 0);
  junk[0] = 4;
  for (int i = 0; i < 4; ++i) junk[4 + i] = static_cast<std::uint8_t>(receiver_index >> (8 * i));
  return junk;
}

TEST(WgNoise, RoamingFollowsAuthenticatedSource) {
  TwoPeers t(false);  // B does not know where A is
  t.establish();
  ASSERT_TRUE(t.b_a->endpoint.has_value());
  EXPECT_EQ(*t.b_a->endpoint, t.a.addr);
  // A moves.
  t.a.addr = wl::Endpoint(*wl::IpAddress::parse("198.51.100.7"), 4242);
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  t.deliver(t.a, t.b);
  EXPECT_EQ(*t.b_a->endpoint, t.a.addr);
  // An unauthenticated datagram from elsewhere does not move the endpoint.
  auto junk = forged_transport(t.b_a->current->local_index);
  t.b.e().receive(junk, wl::Endpoint(*wl::IpAddress::parse("203.0.113.9"), 9));
  EXPECT_EQ(*t.b_a->endpoint, t.a.addr);
  EXPECT_EQ(t.b.e().stats().bad_transport, 1u);
}

TEST(WgNoise, LocalSourceIsPinnedWithTheEndpoint) {
  TwoPeers t(false);
  const wl::wg::noise::LocalSource secondary{*wl::IpAddress::parse("192.0.2.9"), 3};
  // The initiation arrives at B's secondary address: the pin is set with the endpoint.
  ASSERT_FALSE(t.a.e().send_packet(t.a_to_b()));
  ASSERT_EQ(t.a.wire.out.size(), 1u);
  auto init = std::move(t.a.wire.out.front());
  t.a.wire.out.clear();
  t.b.e().receive(init.bytes, t.a.addr, nullptr, secondary);
  ASSERT_TRUE(t.b_a->endpoint.has_value());
  ASSERT_TRUE(t.b_a->local_source.has_value());
  EXPECT_EQ(*t.b_a->local_source, secondary);
  t.pump();
  ASSERT_TRUE(t.b_a->current != nullptr);
  // Authenticated data without local information (unknown) replaces it, like the endpoint.
  EXPECT_FALSE(t.b_a->local_source.has_value());
  // Authenticated data arriving on another local address moves the pin.
  const wl::wg::noise::LocalSource primary{*wl::IpAddress::parse("192.0.2.2"), 3};
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  auto data = std::move(t.a.wire.out.back());
  t.a.wire.out.clear();
  EXPECT_EQ(t.b.e().receive(data.bytes, t.a.addr, nullptr, primary), RecvVerdict::deliver);
  ASSERT_TRUE(t.b_a->local_source.has_value());
  EXPECT_EQ(*t.b_a->local_source, primary);
  // A forged transport datagram arriving elsewhere moves neither.
  auto junk = forged_transport(t.b_a->current->local_index);
  t.b.e().receive(junk, wl::Endpoint(*wl::IpAddress::parse("203.0.113.9"), 9), nullptr, secondary);
  EXPECT_EQ(*t.b_a->local_source, primary);
  EXPECT_EQ(*t.b_a->endpoint, t.a.addr);
}

TEST(WgNoise, InnerSourceMustBeAllowed) {
  TwoPeers t;
  t.establish();
  const auto before = t.b.delivered.size();
  ASSERT_TRUE(t.a.e().send_packet(ipv4_packet({10, 0, 0, 99}, {10, 0, 0, 2}, 40)));
  t.deliver(t.a, t.b);
  EXPECT_EQ(t.b.delivered.size(), before);
  EXPECT_EQ(t.b.e().stats().disallowed_source, 1u);
}

TEST(WgNoise, MalformedMessagesOfEveryTypeRejected) {
  TwoPeers t;
  t.a.e().initiate(*t.a_b, false);
  auto init = t.a.wire.out.back().bytes;
  t.a.wire.out.clear();
  Engine& b = t.b.e();
  auto feed = [&](std::vector<std::uint8_t> m) { return b.receive(m, t.a.addr); };

  // Wrong sizes for each handshake type, nonzero reserved bytes, unknown types, empty.
  for (std::uint8_t type = 0; type <= 6; ++type) {
    for (std::size_t len : {0u, 3u, 4u, 31u, 63u, 65u, 91u, 93u, 147u, 149u}) {
      std::vector<std::uint8_t> m(len, 0x5a);
      if (len >= 4) {
        m[0] = type;
        m[1] = m[2] = m[3] = 0;
      }
      feed(m);
    }
  }
  auto reserved = init;
  reserved[2] = 1;
  feed(reserved);
  EXPECT_GT(b.stats().malformed, 60u);
  EXPECT_TRUE(t.b.wire.out.empty());

  // Bad mac1 (any bit flip before mac2 breaks it).
  for (std::size_t pos : {5u, 40u, 100u, 120u}) {
    auto m = init;
    m[pos] ^= 0x01;
    feed(m);
  }
  EXPECT_EQ(b.stats().bad_mac1, 4u);
  EXPECT_TRUE(t.b.wire.out.empty());

  // A response and cookie reply with unknown receiver indices.
  std::vector<std::uint8_t> resp(kResponseSize, 0);
  resp[0] = 2;
  feed(resp);  // fails mac1
  std::vector<std::uint8_t> cookie(kCookieReplySize, 0);
  cookie[0] = 3;
  feed(cookie);
  std::vector<std::uint8_t> data(48, 0);
  data[0] = 4;
  feed(data);
  EXPECT_GE(b.stats().unknown_index, 2u);
  EXPECT_TRUE(t.b.wire.out.empty());
  EXPECT_EQ(b.stats().handshakes_completed, 0u);

  // The genuine initiation still works afterwards.
  feed(init);
  EXPECT_EQ(t.b.wire.count(MessageType::response), 1u);

  // A response with a corrupted (but mac1-valid) body: restamp mac1 so only the AEAD fails.
  auto r = t.b.wire.out.back().bytes;
  t.b.wire.out.clear();
  r[50] ^= 0x80;  // inside enc_nothing
  Key32 a_pub{};
  std::copy(t.a.pub.bytes().begin(), t.a.pub.bytes().end(), a_pub.begin());
  CookieJar jar;
  jar.set_peer_public_key(a_pub);
  jar.stamp(r, kResponseMac1, t.clock.now());
  EXPECT_EQ(t.a.e().receive(r, t.b.addr), RecvVerdict::drop);
  EXPECT_EQ(t.a.e().stats().bad_handshake, 1u);
  EXPECT_TRUE(t.a_b->current == nullptr);
}

TEST(WgNoise, UnknownPeerAndRemovedPeer) {
  TwoPeers t;
  t.b.e().remove_peer(t.a.pub);
  t.a.e().initiate(*t.a_b, false);
  t.deliver(t.a, t.b);
  EXPECT_EQ(t.b.e().stats().bad_handshake, 1u);
  EXPECT_TRUE(t.b.wire.out.empty());
  // A removed peer (still referenced by an in-flight batch) never starts a handshake again.
  t.a.e().remove_peer(t.b.pub);
  t.clock.advance(10s);
  t.a.e().initiate(*t.a_b, false);
  t.a.e().stage(*t.a_b, t.a_to_b());
  EXPECT_TRUE(t.a.wire.out.empty());
  EXPECT_TRUE(t.a_b->staged.empty());
  EXPECT_EQ(t.a.e().route(t.a_to_b()), nullptr);
}

TEST(WgNoise, PresharedKeyMustMatch) {
  TwoPeers t;
  auto psk = wl::generate_preshared_key();
  t.a.e().set_preshared_key(*t.a_b, &psk);
  t.establish();
  EXPECT_TRUE(t.a_b->current == nullptr);  // responder's response fails to open
  auto psk2 = psk.clone();
  t.b.e().set_preshared_key(*t.b_a, &psk2);
  t.run_for(6s);
  EXPECT_TRUE(t.a_b->current != nullptr);
  EXPECT_EQ(t.b.delivered.size(), 1u);
}

TEST(WgNoise, PrivateKeyChangeExpiresSessionsAndRehandshakes) {
  TwoPeers t;
  t.establish();
  ASSERT_TRUE(t.b_a->current != nullptr);
  // B gets a new key: its old sessions must not be used for sending any more.
  auto fresh = wl::generate_private_key();
  t.b.e().set_private_key(&fresh);
  t.clock.advance(1s);
  EXPECT_FALSE(t.b.e().send_packet(t.b_to_a()));  // staged, handshake attempted
  EXPECT_EQ(t.b.wire.count(MessageType::initiation), 1u);
  // A still expects B's old key, so that handshake fails at A (unknown static key).
  t.pump();
  EXPECT_GE(t.a.e().stats().bad_handshake + t.a.e().stats().bad_mac1, 1u);
  // Once A learns the new key, traffic flows again.
  t.a.e().remove_peer(t.b.pub);
  t.b.pub = wl::public_key_of(fresh);
  t.a_b = t.a.e().add_peer(t.b.pub);
  t.a_b->endpoint = t.b.addr;
  t.a.e().allowed_ips().insert(*wl::Cidr::parse("10.0.0.2/32"), t.a_b.get());
  t.run_for(6s);
  EXPECT_TRUE(t.a_b->current != nullptr);
  EXPECT_EQ(t.a.delivered.size(), 1u);
  // Removing the key stops handshakes entirely.
  t.b.e().set_private_key(nullptr);
  EXPECT_FALSE(t.b.e().identity().has_key);
}
