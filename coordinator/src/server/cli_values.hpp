// Parsers for the values of wirelink-coordinator's command-line options: durations, numbers,
// log levels.
//
// Contract: pure, no I/O. Each returns the value or the text of a usage error that names the
// option and what it accepts (the caller prints it and exits 2). Nothing overflows: a number
// too large for its type or above the option's bound is an error, never a wrapped value.
#pragma once

#include <spdlog/common.h>

#include <string>
#include <string_view>
#include <variant>

#include "wirelink/base/clock.hpp"

namespace wl::coordinator::server {

// Upper bounds (README, "serve options"): an invite lives at most a year, a session token at
// most 30 days (peers refresh it long before), a cohort rotates at least every 30 days.
constexpr Duration kMaxInviteTtl = std::chrono::hours(24 * 365);
constexpr Duration kMaxTokenTtl = std::chrono::hours(24 * 30);
constexpr Duration kMaxRotation = std::chrono::hours(24 * 30);
constexpr Duration kMaxMatchWait = std::chrono::minutes(5);
constexpr Duration kMaxPeerTimeout = std::chrono::hours(24 * 30);
constexpr Duration kMaxIdleTimeout = std::chrono::hours(1);

// Agents heartbeat every 30 s and refresh their token at two thirds of its lifetime, at most
// once a heartbeat: a token must outlive a few heartbeats or agents refresh on every one.
// Outside --dev, --token-ttl is at least kMinTokenTtlHeartbeats heartbeats (2 minutes); a
// development network (tests with 1 s heartbeats) may go down to kMinDevTokenTtl.
constexpr Duration kAgentHeartbeat = std::chrono::seconds(30);
constexpr int kMinTokenTtlHeartbeats = 4;
constexpr Duration kMinDevTokenTtl = std::chrono::seconds(10);

template <class T>
using Parsed = std::variant<T, std::string>;  // the value, or the usage error

// "90m", "24h", "3600s", "500ms", "7d"; a plain integer is seconds. Between `min` and `max`.
Parsed<Duration> parse_duration(std::string_view option, std::string_view text, Duration min,
                                Duration max);

// A finite decimal number between `min` and `max` ("inf", "nan" and negatives are refused).
Parsed<double> parse_number(std::string_view option, std::string_view text, double min, double max);
// The same, and a whole number.
Parsed<std::size_t> parse_count(std::string_view option, std::string_view text, std::size_t min,
                                std::size_t max);

// The usage error for a --token-ttl too short for the agents' heartbeat, or "" when it is fine.
std::string check_token_ttl(Duration ttl, bool dev);

// trace, debug, info, warn (warning), error, critical, off, in any letter case.
Parsed<spdlog::level::level_enum> parse_log_level(std::string_view text);

}  // namespace wl::coordinator::server
