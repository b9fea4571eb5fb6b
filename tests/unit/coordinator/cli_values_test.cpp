// The coordinator's option parsers and the rate limiter's bounded table, as pure functions.
#include <gtest/gtest.h>

#include "cli_values.hpp"
#include "rate_limit.hpp"

using namespace wl;
using namespace wl::coordinator::server;
using namespace std::chrono_literals;

namespace {
template <class T>
std::string error_of(const Parsed<T>& p) {
  return std::holds_alternative<std::string>(p) ? std::get<std::string>(p) : std::string();
}
}  // namespace

TEST(CliValues, DurationsWithUnitsAndBounds) {
  EXPECT_EQ(std::get<Duration>(parse_duration("ttl", "90m", 0s, kMaxInviteTtl)), 90min);
  EXPECT_EQ(std::get<Duration>(parse_duration("ttl", "3600", 0s, kMaxInviteTtl)), 1h);
  EXPECT_EQ(std::get<Duration>(parse_duration("ttl", "365d", 0s, kMaxInviteTtl)), kMaxInviteTtl);
  EXPECT_EQ(std::get<Duration>(parse_duration("ttl", "0", 0s, kMaxInviteTtl)), 0s);
  // Values that used to overflow into "never expires" or the year 1734.
  for (const char* t : {"10000000000", "106751d", "366d", "18446744073709551616",
                        "99999999999999999999999999ms", "9223372036854775807h"}) {
    const auto e = error_of(parse_duration("ttl", t, 0s, kMaxInviteTtl));
    EXPECT_NE(e.find("--ttl: "), std::string::npos) << t << ": " << e;
    EXPECT_NE(e.find("maximum of 365d"), std::string::npos) << t << ": " << e;
  }
  EXPECT_NE(error_of(parse_duration("token-ttl", "31d", 10s, kMaxTokenTtl)).find("maximum of 30d"),
            std::string::npos);
  EXPECT_NE(error_of(parse_duration("token-ttl", "5s", 10s, kMaxTokenTtl)).find("minimum of 10s"),
            std::string::npos);
  for (const char* t : {"", "soon", "5y", "-5s", "1.5h", "h"})
    EXPECT_NE(error_of(parse_duration("ttl", t, 0s, kMaxInviteTtl)).find("expected a duration"),
              std::string::npos)
        << t;
}

TEST(CliValues, NumbersAndCounts) {
  EXPECT_EQ(std::get<double>(parse_number("rate-ip", "2.5", 0, 1e9)), 2.5);
  for (const char* t : {"inf", "nan", "-1", "1e10", "", "5x"})
    EXPECT_FALSE(error_of(parse_number("rate-ip", t, 0, 1e9)).empty()) << t;
  EXPECT_EQ(std::get<std::size_t>(parse_count("floor", "30", 1, 1000)), 30u);
  for (const char* t : {"0", "1001", "nan", "1e3", "-3", "99999999999999999999999"})
    EXPECT_FALSE(error_of(parse_count("floor", t, 1, 1000)).empty()) << t;
}

TEST(CliValues, LogLevelsInAnyCaseAndUnknownOnesListed) {
  EXPECT_EQ(std::get<spdlog::level::level_enum>(parse_log_level("DEBUG")), spdlog::level::debug);
  EXPECT_EQ(std::get<spdlog::level::level_enum>(parse_log_level("Warn")), spdlog::level::warn);
  EXPECT_EQ(std::get<spdlog::level::level_enum>(parse_log_level("error")), spdlog::level::err);
  const auto e = error_of(parse_log_level("bogus"));
  EXPECT_NE(e.find("trace, debug, info, warn, error"), std::string::npos) << e;
}

// A flood from many addresses cannot grow the table past its bound, and the newest
// addresses keep their (spent) buckets.
TEST(RateLimiter, TableIsBounded) {
  RateLimiter rl(1.0, 1, 100);
  TimePoint t{};
  for (int i = 0; i < 1000; ++i) {
    t += 1ms;
    rl.allow("ip" + std::to_string(i), t);
    EXPECT_LE(rl.size(), 100u);
  }
  EXPECT_FALSE(rl.allow("ip999", t));  // still spent: not evicted
}
