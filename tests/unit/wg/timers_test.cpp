// Every timer path of the whitepaper's §6 with a fake clock: handshake retransmission and
// giving up, passive keepalive, new handshake when replies stop, rekey after time and after
// messages (sending and receiving side), reject after time and messages, zeroing keys after
// 3 x REJECT_AFTER_TIME, and persistent keepalive.
#include <gtest/gtest.h>

#include "two_peers.hpp"

using namespace wgtest;

TEST(WgTimers, RetransmitWithJitterThenGiveUp) {
  TwoPeers t;
  t.a.e().send_packet(t.a_to_b());
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.a.wire.out.clear();
  // Nothing before REKEY_TIMEOUT...
  t.run_for(4900ms, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 0u);
  // ...one retry by REKEY_TIMEOUT + max jitter.
  t.run_for(450ms, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  EXPECT_EQ(t.a_b->staged.size(), 1u);
  // 18 retries at 5-5.33 s, then give up: staged packets are dropped.
  t.a.wire.out.clear();
  t.run_for(100s, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), static_cast<std::size_t>(kMaxTimerHandshakes));
  EXPECT_TRUE(t.a_b->staged.empty());
  t.a.wire.out.clear();
  t.run_for(30s, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 0u);
}

// wirelink-wg only: moving the endpoint while a handshake waits for its answer sends the
// initiation again at once (to the new endpoint) instead of after REKEY_TIMEOUT.
TEST(WgTimers, EndpointMovedMidHandshakeRetriesAtOnce) {
  TwoPeers t;
  t.a.e().send_packet(t.a_to_b());
  ASSERT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.a.wire.out.clear();
  t.run_for(1s, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 0u);
  t.a.e().endpoint_moved(*t.a_b);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  // Nothing waiting for an answer: moving the endpoint sends nothing.
  t.pump();
  ASSERT_FALSE(t.a_b->current == nullptr);
  t.a.wire.out.clear();
  t.a.e().endpoint_moved(*t.a_b);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 0u);
}

TEST(WgTimers, PassiveKeepaliveAfterReceivingData) {
  TwoPeers t;
  t.establish();
  const auto ka = t.a.keepalives;
  // B received data and sends nothing back: a keepalive after KEEPALIVE_TIMEOUT.
  t.run_for(9900ms);
  EXPECT_EQ(t.a.keepalives, ka);
  t.run_for(200ms);
  EXPECT_EQ(t.a.keepalives, ka + 1);
  // Only one: nothing more was received.
  t.run_for(30s);
  EXPECT_EQ(t.a.keepalives, ka + 1);
}

TEST(WgTimers, NewHandshakeWhenRepliesStop) {
  TwoPeers t;
  t.establish();
  t.run_for(11s);  // let the passive keepalive pass
  t.drop_all();
  const auto hs = t.a.e().stats().handshakes_completed;
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  t.a.wire.out.clear();  // lost: B never answers
  t.run_for(14900ms, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 0u);
  t.run_for(500ms, false);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.pump();
  EXPECT_GT(t.a.e().stats().handshakes_completed, hs);
}

TEST(WgTimers, RekeyAfterTimeOnSendByInitiatorOnly) {
  TwoPeers t;
  t.establish();
  auto first = t.a_b->current;
  t.run_for(119s);
  t.drop_all();
  ASSERT_TRUE(t.b.e().send_packet(t.b_to_a()));  // B is responder: no rekey
  EXPECT_EQ(t.b.wire.count(MessageType::initiation), 0u);
  t.pump();
  t.clock.advance(2s);
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.pump();
  EXPECT_NE(t.a_b->current, first);
  EXPECT_EQ(t.a_b->previous, first);
}

TEST(WgTimers, RekeyOnReceiveNearRejectTime) {
  TwoPeers t;
  t.establish();
  for (int i = 0; i < 16; ++i) {  // keep traffic flowing from B only; A never sends data
    t.clock.advance(10s);
    t.drop_all();
    t.b.e().send_packet(t.b_to_a());
    t.deliver(t.b, t.a);
    t.a.wire.out.clear();
  }
  // 160 s: not yet.
  EXPECT_EQ(t.a.e().stats().handshakes_completed, 1u);
  t.clock.advance(6s);
  t.b.e().send_packet(t.b_to_a());
  t.deliver(t.b, t.a);
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
}

TEST(WgTimers, RejectAfterTimeAndZeroKeys) {
  TwoPeers t;
  t.establish();
  t.drop_all();
  auto old = t.a_b->current;
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  auto late = t.a.wire.out.back().bytes;
  t.a.wire.out.clear();
  t.clock.advance(180s);
  // B no longer accepts packets on a keypair that old.
  EXPECT_EQ(t.b.e().receive(late, t.a.addr), RecvVerdict::drop);
  EXPECT_EQ(t.b.e().stats().expired_keypair, 1u);
  // A may not send on it either: the packet is staged and a handshake starts.
  EXPECT_FALSE(t.a.e().send_packet(t.a_to_b()));
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.drop_all();
  // With no new handshake completing, all keys are zeroed after 3 x REJECT_AFTER_TIME.
  t.run_for(365s, false);
  EXPECT_TRUE(t.b_a->current == nullptr);
  EXPECT_TRUE(t.a_b->current == nullptr);
  EXPECT_TRUE(t.a_b->previous == nullptr);
}

TEST(WgTimers, RekeyAndRejectAfterMessages) {
  TwoPeers t;
  t.establish();
  t.run_for(6s);  // initiations are at most one per REKEY_TIMEOUT
  t.drop_all();
  t.a_b->current->send_counter = kRekeyAfterMessages + 1;
  ASSERT_TRUE(t.a.e().send_packet(t.a_to_b()));
  EXPECT_EQ(t.a.wire.count(MessageType::initiation), 1u);
  t.drop_all();
  t.a_b->current->send_counter = kRejectAfterMessages - 1;
  EXPECT_FALSE(t.a.e().send_packet(t.a_to_b()));  // would reach the limit
  // The receiver never accepts a counter at the limit.
  std::vector<std::uint8_t> d(48, 0);
  d[0] = 4;
  const auto idx = t.b_a->current->local_index;
  for (int i = 0; i < 4; ++i) d[4 + i] = static_cast<std::uint8_t>(idx >> (8 * i));
  store_le64(d.data() + 8, kRejectAfterMessages);
  EXPECT_EQ(t.b.e().receive(d, t.a.addr), RecvVerdict::drop);
  EXPECT_EQ(t.b.e().stats().expired_keypair, 1u) << t.b.e().stats().unknown_index;
}

TEST(WgTimers, PersistentKeepalive) {
  TwoPeers t;
  t.establish();
  t.run_for(11s);
  const auto base = t.b.keepalives;
  t.a.e().set_persistent_keepalive(*t.a_b, 25);
  t.run_for(100s);
  // One when enabled, then about every 25 s.
  EXPECT_GE(t.b.keepalives, base + 4);
  EXPECT_LE(t.b.keepalives, base + 6);
  t.a.e().set_persistent_keepalive(*t.a_b, 0);
  const auto after = t.b.keepalives;
  t.run_for(100s);
  EXPECT_EQ(t.b.keepalives, after);
}
