// Every protocol time the agent uses, in one place (PROTOCOL.md §4; wirelink 0.14 timings).
// These must match across the mesh; they are not configuration.
#pragma once

#include <chrono>

namespace wl::agent::timing {

using namespace std::chrono_literals;

// One reconcile cycle: collect local facts, merge received ones, configure the device, send.
inline constexpr std::chrono::milliseconds kCyclePeriod = 5s;
// A fact lives this long; the agent waits this long after start before it deconfigures or
// deletes anything (so it has heard the mesh first).
inline constexpr std::chrono::seconds kFactTtl = 255s;
// An alive fact is sent about this often.
inline constexpr std::chrono::seconds kAlivePeriod = 30s;
// A handshake newer than this means healthy: RekeyAfterTime 120 + RekeyTimeout 5 +
// KeepaliveTimeout 10 + 0.334 jitter + 30 fudge.
inline constexpr std::chrono::milliseconds kHealthyHandshake = 165'334ms;
// While unhealthy, try the next endpoint this often (RekeyTimeout + KeepaliveTimeout).
inline constexpr std::chrono::seconds kEndpointInterval = 15s;
// Allowed IPs are added only while the peer's aliveness has more than this left.
inline constexpr std::chrono::milliseconds kAliveMargin = 2500ms;
// Deletion needs a Membership-trusted peer healthy and alive for this long ...
inline constexpr std::chrono::seconds kDeleteHealthyFor = 260s;
// ... with more than this aliveness left.
inline constexpr std::chrono::milliseconds kDeleteAliveMargin = 7500ms;
// A gap between cycles longer than this (suspend) or a backwards clock step rolls the boot id.
inline constexpr std::chrono::seconds kMaxCycleGap = 10s;
// systemd watchdog pings at half the WatchdogSec interval (computed at run time); this is the
// loop's upper bound on sleeping so pings are never late.
inline constexpr std::chrono::seconds kMaxSleep = 1s;

}  // namespace wl::agent::timing
