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
// After switching a peer's endpoint the agent sends one datagram into the tunnel towards the
// peer's link-local on this port (discard) so WireGuard handshakes on the new endpoint now.
inline constexpr std::uint16_t kNudgePort = 9;

}  // namespace wl::agent::timing
