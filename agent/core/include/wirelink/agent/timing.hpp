// The protocol times the agent's peer state machine uses. They are the gossip protocol's
// constants (facts/timing.hpp, PROTOCOL.md §4 and §6), re-exported here so the agent has one
// header to read; the agent adds only its own loop cadence. None of these are configuration:
// every node of a mesh must agree on them.
#pragma once

#include <chrono>

#include "wirelink/facts/timing.hpp"

namespace wl::agent::timing {

using namespace std::chrono_literals;

// One reconcile cycle: collect local facts, merge received ones, configure the device, send.
inline constexpr Duration kCyclePeriod = facts::timing::kCycle;
// A fact lives this long; the agent waits this long after start before it deconfigures or
// deletes anything (so it has heard the mesh first).
inline constexpr Duration kFactTtl = facts::timing::kFactTtl;
// A handshake newer than this means healthy: RekeyAfterTime 120 + RekeyTimeout 5 +
// KeepaliveTimeout 10 + 0.334 jitter + 30 fudge.
inline constexpr Duration kHealthyHandshake = facts::timing::kHealthyWindow;
// While unhealthy, try the next endpoint this often (RekeyTimeout + KeepaliveTimeout).
inline constexpr Duration kEndpointInterval = facts::timing::kEndpointCycle;
// Allowed IPs are added only while the peer's aliveness has more than this left.
inline constexpr Duration kAliveMargin = facts::timing::kAliveMargin;
// Deletion needs a membership-vouching peer healthy and alive for this long ...
inline constexpr Duration kDeleteHealthyFor = facts::timing::kDeleteHealthyFor;
// ... with more than this aliveness left.
inline constexpr Duration kDeleteAliveMargin = facts::timing::kDeleteAliveMargin;
// The event loop wakes at least this often (watchdog pings, retries, the cycle check).
inline constexpr std::chrono::milliseconds kMaxSleep = 1s;
// After switching a peer's endpoint the agent sends one datagram into the tunnel towards the
// peer's link-local on this port (discard) so WireGuard handshakes on the new endpoint now.
inline constexpr std::uint16_t kNudgePort = 9;

}  // namespace wl::agent::timing
