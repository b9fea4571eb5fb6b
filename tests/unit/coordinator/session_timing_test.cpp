// Session timing and states (session_timing.hpp, session.hpp): the refresh schedule, the match
// timeout against the server's --match-wait, the waiting text, the additive wire fields that
// carry them, and serve's --token-ttl minimum.
#include <gtest/gtest.h>

#include "cli_values.hpp"
#include "wirelink/coordinator/session.hpp"
#include "wirelink/coordinator/session_timing.hpp"
#include "wirelink/coordinator/wire.hpp"

using namespace wl;
using namespace wl::coordinator;
using namespace std::chrono_literals;

namespace {
const WallTime kT0 = WallTime(std::chrono::seconds(1'800'000'000));
}

TEST(RefreshSchedule, AtTwoThirdsOfTheLifetime) {
  EXPECT_EQ(refresh_at(kT0, kT0 + 30min, WallTime{}, 30s), kT0 + 20min);
  EXPECT_EQ(refresh_at(kT0, kT0 + 60s, WallTime{}, 30s), kT0 + 40s);
}

// The loop the old rule (refresh when fewer than two heartbeats remain) fell into: with a 60 s
// token and 30 s heartbeats every moment was "due". Simulate a client that refreshes whenever
// the schedule says so, and receives a fresh 60 s token at once each time.
TEST(RefreshSchedule, SixtySecondTokenNeverLoops) {
  const Duration hb = 30s, ttl = 60s;
  WallTime iat = kT0, exp = kT0 + ttl, last{};
  int refreshes = 0;
  for (WallTime now = kT0; now < kT0 + 10min; now += 100ms) {
    if (now < refresh_at(iat, exp, last, hb)) continue;
    ++refreshes;
    last = now;
    iat = now;
    exp = now + ttl;
  }
  // One refresh every 40 s (at 40 s, 80 s, ..., 560 s) in the 10 minutes: 14. The old rule
  // refreshed on every step of the loop (6000).
  EXPECT_EQ(refreshes, 14);
}

TEST(RefreshSchedule, NeverMoreOftenThanTheHeartbeat) {
  // A token so short that two thirds of it is less than a heartbeat: the heartbeat wins.
  const WallTime last = kT0;
  EXPECT_EQ(refresh_at(kT0, kT0 + 15s, last, 30s), kT0 + 30s);
  // A refresh that did not bring a new token (the same iat/exp): the next try waits a heartbeat.
  EXPECT_EQ(refresh_at(kT0, kT0 + 60s, kT0 + 40s, 30s), kT0 + 70s);
}

TEST(RefreshSchedule, ExpiredOrInvertedTokenIsDueAtOnce) {
  EXPECT_EQ(refresh_at(kT0, kT0 - 1s, WallTime{}, 30s), kT0);
}

TEST(MatchTimeout, OutlivesTheServersWait) {
  EXPECT_GT(match_timeout(10s, 10s), 10s);  // the issue's case: equal values timed out
  EXPECT_EQ(match_timeout(10s, 10s), 20s);
  EXPECT_EQ(match_timeout(10s, 0s), 10s);
  EXPECT_EQ(match_timeout(10s, -5s), 10s);
  const ClientOptions defaults;
  EXPECT_GT(match_timeout(defaults.timeout, defaults.match_wait), defaults.match_wait);
}

TEST(SessionStates, Names) {
  EXPECT_STREQ(to_string(SessionState::starting), "starting");
  EXPECT_STREQ(to_string(SessionState::registered), "registered");
  EXPECT_STREQ(to_string(SessionState::unreachable), "unreachable");
  EXPECT_STREQ(to_string(SessionState::refused), "refused");
  EXPECT_STREQ(to_string(SessionState::expired), "expired");
  EXPECT_STREQ(to_string(SessionState::stopped), "stopped");
}

TEST(SessionStates, WaitingText) {
  EXPECT_EQ(waiting_text(3, 30, "EXIT="), "waiting for a cohort (3 of 30 on exit EXIT=)");
  EXPECT_EQ(waiting_text(1, 2, ""), "waiting for a cohort (1 of 2)");
}

TEST(WireAdditions, ErrorBodyCarriesThePool) {
  wire::ErrorBody e;
  e.code = "cohort.insufficient";
  e.message = "m";
  e.waiting = 4;
  e.floor = 30;
  e.exit = "K";
  auto back = wire::parse_error(wire::to_json(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->waiting, 4);
  EXPECT_EQ(back->floor, 30);
  EXPECT_EQ(back->exit, "K");
  // An older server's body has none of them.
  auto old = wire::parse_error(R"({"code":"cohort.insufficient","message":"m"})");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->waiting, -1);
  EXPECT_EQ(wire::error_json(coord_errc::internal, "x").find("waiting"), std::string::npos);
}

TEST(WireAdditions, RegisterAckCarriesMatchWaitAndWarning) {
  wire::RegisterAck a;
  a.session_token = "t";
  a.expires_at = kT0;
  EXPECT_EQ(wire::to_json(a).find("match_wait_ms"), std::string::npos);  // not sent by default
  a.match_wait_ms = 10'000;
  a.warning = "w";
  auto back = wire::parse_register_ack(wire::to_json(a));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->match_wait_ms, 10'000);
  EXPECT_EQ(back->warning, "w");
}

TEST(TokenTtlMinimum, AFewHeartbeats) {
  using server::check_token_ttl;
  EXPECT_NE(check_token_ttl(60s, false).find("shorter than 120s"), std::string::npos);
  EXPECT_EQ(check_token_ttl(120s, false), "");
  EXPECT_EQ(check_token_ttl(30min, false), "");
  EXPECT_EQ(check_token_ttl(10s, true), "");
  EXPECT_NE(check_token_ttl(5s, true), "");
}
