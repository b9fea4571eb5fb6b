// The agent's own cadence. The protocol's times (cycle, fact TTL, health window, endpoint
// cycle, alive and delete margins) are the gossip protocol's constants and live, under one name
// each, in facts/timing.hpp (PROTOCOL.md §4 and §6); none of these are configuration.
#pragma once

#include <chrono>
#include <cstdint>

namespace wl::agent::timing {

using namespace std::chrono_literals;

// The event loop wakes at least this often (watchdog pings, retries, the cycle check).
inline constexpr std::chrono::milliseconds kMaxSleep = 1s;
// Acting at once: news from the gossip (a new member, endpoint, allowed IP, a peer's first
// alive fact), a coordinator assignment, or a device change that added peers or moved endpoints
// runs a cycle this long after it happened (batched) rather than at the next 5 s boundary; such
// early cycles come no closer than kReactGap after the previous one.
inline constexpr std::chrono::milliseconds kReactDelay = 200ms;
inline constexpr std::chrono::milliseconds kReactGap = 500ms;
// After switching a peer's endpoint the agent sends one datagram into the tunnel towards the
// peer's link-local on this port (discard) so WireGuard handshakes on the new endpoint now.
inline constexpr std::uint16_t kNudgePort = 9;
// With a coordinator deciding membership (CoordinatorOpenMembership false), a peer stays a
// member this long after its last valid session token ran out: refreshed tokens reach us
// through the gossip a little after the old one's exp, and a peer must not flap out meanwhile.
inline constexpr std::chrono::seconds kTokenGrace = 60s;

}  // namespace wl::agent::timing
