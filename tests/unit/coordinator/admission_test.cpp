// The pure cohort state machine and rate limiter, with a fake clock.
#include <gtest/gtest.h>

#include "admission.hpp"
#include "rate_limit.hpp"
#include "wirelink/coordinator/wire.hpp"

using namespace wl;
using namespace wl::coordinator;
using namespace wl::coordinator::server;
using namespace std::chrono_literals;

namespace {
PublicKey key(std::uint8_t i) {
  std::array<std::uint8_t, 32> b{};
  b[0] = i;
  return PublicKey(b);
}
struct Fx : ::testing::Test {
  int ids = 0;
  Admission adm{Admission::Options{3, 15min, [this] { return "c" + std::to_string(++ids); }}};
  WallTime now{std::chrono::seconds(1'800'000'000)};
  void SetUp() override {
    adm.upsert_peer({key(100), "e1:1", true, 4});
    for (std::uint8_t i = 1; i <= 6; ++i) adm.upsert_peer({key(i), "", false, 0});
  }
};
}  // namespace

TEST_F(Fx, PendingUntilFloorThenOneBatch) {
  EXPECT_EQ(adm.match(key(1), 1, now).status, MatchStatus::pending);
  EXPECT_EQ(adm.match(key(2), 1, now).status, MatchStatus::pending);
  EXPECT_EQ(adm.pending_count(), 2u);
  // Asking again while pending does not double-count.
  EXPECT_EQ(adm.match(key(1), 1, now).status, MatchStatus::pending);
  EXPECT_EQ(adm.pending_count(), 2u);
  auto out = adm.match(key(3), 1, now);
  EXPECT_EQ(out.status, MatchStatus::assigned);
  ASSERT_TRUE(out.formed.has_value());
  const auto* c = adm.cohort(*out.formed);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->members.size(), 3u);
  EXPECT_EQ(c->rotate_at, now + 15min);
  for (int i = 1; i <= 3; ++i) {
    const auto* a = adm.assignment(key(static_cast<std::uint8_t>(i)));
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->cohort, *out.formed);
    EXPECT_EQ(a->path, std::vector<PublicKey>{key(100)});
  }
  EXPECT_EQ(adm.pending_count(), 0u);
  // Matching while live: same assignment, no new cohort.
  auto again = adm.match(key(1), 1, now);
  EXPECT_EQ(again.status, MatchStatus::assigned);
  EXPECT_FALSE(again.formed.has_value());
  // Capacity 4: one more fits (pending), the sixth does not.
  EXPECT_EQ(adm.match(key(4), 1, now).status, MatchStatus::pending);
  EXPECT_EQ(adm.match(key(5), 1, now).status, MatchStatus::no_exit);
}

TEST_F(Fx, RotationRepoolsAndExitLeavingEndsCohort) {
  for (std::uint8_t i = 1; i <= 3; ++i) (void)adm.match(key(i), 1, now);
  ASSERT_EQ(adm.live_cohort_count(), 1u);
  EXPECT_TRUE(adm.due(now + 14min).empty());
  auto due = adm.due(now + 15min);
  ASSERT_EQ(due.size(), 1u);
  auto members = adm.rotate(due[0]);
  EXPECT_EQ(members.size(), 3u);
  EXPECT_EQ(adm.assignment(key(1)), nullptr);
  EXPECT_EQ(adm.match(key(1), 1, now).status, MatchStatus::pending);  // re-pool
  // Exit leaves: its pool empties and it can no longer be chosen.
  auto affected = adm.remove(key(100));
  EXPECT_TRUE(affected.empty());
  EXPECT_FALSE(adm.is_pending(key(1)));
  EXPECT_EQ(adm.match(key(1), 1, now).status, MatchStatus::no_exit);
}

TEST_F(Fx, MemberLeavingShrinksCohort) {
  for (std::uint8_t i = 1; i <= 3; ++i) (void)adm.match(key(i), 1, now);
  auto affected = adm.remove(key(2));
  ASSERT_EQ(affected.size(), 1u);
  EXPECT_EQ(adm.cohort(affected[0])->members.size(), 2u);
  EXPECT_EQ(adm.peer(key(2)), nullptr);
  auto quiet = adm.remove(key(3), true);
  EXPECT_NE(adm.peer(key(3)), nullptr);  // still registered
}

TEST_F(Fx, MultiHopNeedsASecondExit) {
  EXPECT_EQ(adm.match(key(1), 2, now).status, MatchStatus::no_exit);
  adm.upsert_peer({key(101), "e2:1", true, 4});
  EXPECT_EQ(adm.match(key(1), 2, now).status, MatchStatus::pending);
  (void)adm.match(key(2), 1, now);
  auto out = adm.match(key(3), 1, now);
  ASSERT_TRUE(out.formed.has_value());
  const auto* a = adm.assignment(key(1));
  ASSERT_EQ(a->path.size(), 2u);
  EXPECT_NE(a->path[0], a->path[1]);
  EXPECT_EQ(a->path[1], adm.cohort(*out.formed)->exit);
}

TEST(RateLimiter, BurstThenRefill) {
  RateLimiter rl(2.0, 3);
  TimePoint t{std::chrono::seconds(10)};
  EXPECT_TRUE(rl.allow("a", t));
  EXPECT_TRUE(rl.allow("a", t));
  EXPECT_TRUE(rl.allow("a", t));
  EXPECT_FALSE(rl.allow("a", t));
  EXPECT_TRUE(rl.allow("b", t));          // independent keys
  EXPECT_TRUE(rl.allow("a", t + 500ms));  // one token after 0.5 s at 2/s
  EXPECT_FALSE(rl.allow("a", t + 500ms));
  RateLimiter off(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.allow("x", t));
}

TEST(Wire, RoundTripsAndRejects) {
  wire::RegisterRequest r;
  r.peer_id = key(7);
  r.invite = "wlinv1.x";
  r.can_exit = true;
  r.capacity_hint = 5;
  auto back = wire::parse_register(wire::to_json(r));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->peer_id, r.peer_id);
  EXPECT_TRUE(back->can_exit);
  EXPECT_EQ(back->capacity_hint, 5);
  for (const char* bad :
       {"", "[]", "{}", "{\"peer_id\":1}", "{\"peer_id\":\"abc\"}",
        "{\"peer_id\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"can_exit\":\"yes\"}",
        "{\"peer_id\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"capacity_hint\":-1}",
        "{\"peer_id\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"at\":\"yesterday\"}"}) {
    auto p = wire::parse_register(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, coord_errc::bad_request);
  }
  EXPECT_FALSE(
      wire::parse_match("{\"peer_id\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"hops\":3}")
          .ok());
  wire::Event e;
  e.type = "CohortRotated";
  e.cohort = "c-1";
  e.reason = "rotation";
  e.at = WallTime(std::chrono::seconds(1'800'000'000));
  auto eb = wire::parse_event(wire::to_json(e));
  ASSERT_TRUE(eb.ok());
  EXPECT_EQ(eb->cohort, "c-1");
  EXPECT_EQ(eb->at, e.at);
  EXPECT_FALSE(wire::parse_event("{\"type\":\"Bogus\",\"at\":\"2027-01-01T00:00:00Z\"}").ok());
  EXPECT_FALSE(
      wire::parse_event("{\"type\":\"CohortAssigned\",\"at\":\"2027-01-01T00:00:00Z\"}").ok());
  auto err = wire::parse_error(wire::error_json(coord_errc::rate_limited, "slow down"));
  ASSERT_TRUE(err.ok());
  EXPECT_EQ(err->code, "rate.limited");
  EXPECT_EQ(err->message, "slow down");
}
