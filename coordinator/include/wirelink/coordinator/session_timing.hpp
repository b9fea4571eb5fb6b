// Session timing: when the agent refreshes its session token and how long it waits for a
// match, as pure functions so the schedule can be tested without a server or a clock.
//
// Contract: pure, thread-safe, never throws.
// - refresh_at: a token is refreshed at kRefreshFraction (2/3) of its lifetime, and never
//   sooner than one heartbeat period after the previous refresh request. The second rule is
//   what keeps a short --token-ttl from turning into a request loop: whatever the lifetime,
//   refresh requests are at least a heartbeat apart.
// - match_timeout: POST /api/v1/match may be held by the server for its --match-wait before it
//   answers; the client's timeout for that call is the server's wait plus the ordinary
//   request timeout as margin, so a slow cohort is reported as waiting, not as unreachable.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "wirelink/base/clock.hpp"

namespace wl::coordinator {

// Numerator/denominator of the share of a token's lifetime after which it is refreshed.
inline constexpr int kRefreshNum = 2;
inline constexpr int kRefreshDen = 3;

// The wall time at which to ask for a fresh token that was issued at `iat` and expires at
// `exp`. `last_request` is when the previous refresh was asked for (WallTime{} for never).
WallTime refresh_at(WallTime iat, WallTime exp, WallTime last_request, Duration heartbeat);

// The HTTP timeout for a match call against a server that holds it for up to `match_wait`.
std::chrono::milliseconds match_timeout(std::chrono::milliseconds request_timeout,
                                        std::chrono::milliseconds match_wait);

// How a peer waiting in an exit's pool is reported: "waiting for a cohort (3 of 30 on exit
// <key>)"; without a known exit, "waiting for a cohort (3 of 30)".
std::string waiting_text(int waiting, int floor, std::string_view exit);

}  // namespace wl::coordinator
