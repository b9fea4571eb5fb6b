// The gossip protocol's constants, in one place (PROTOCOL.md §6 gives the reasons).
//
// Contract: compile-time constants only. Every node of a mesh must use the same values; they
// are wire-visible through TTLs and resend cadence, and match wirelink 0.14.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "wirelink/base/clock.hpp"

namespace wl::facts::timing {

using namespace std::chrono_literals;

// TTL of every fact a node originates, and the most a node will put on a local fact.
inline constexpr Duration kFactTtl = 255s;
inline constexpr std::uint32_t kMaxLocalTtlSeconds = 255;
// Receivers refuse TTLs above this (the wire allows a 3-byte uvarint).
inline constexpr std::uint32_t kMaxWireTtlSeconds = 65535;

// An alive ("I'm here") fact is sent at least this often.
inline constexpr Duration kAlivePeriod = 30s;
// The ping is due when the peer's copy of our alive fact expires within this (TTL - period).
inline constexpr Duration kPingDueWithin = kFactTtl - kAlivePeriod;  // 225 s

// A fact is re-sent when the peer's copy would expire within TTL/2 + 5 s.
inline constexpr Duration kResendWithin = kFactTtl / 2 + 5s;  // 132.5 s

// The gossip cycle: collect, merge, configure, broadcast. Sooner once this many datagrams are
// queued.
inline constexpr Duration kCycle = 5s;
inline constexpr std::size_t kCycleQueueTrigger = 100;
// Fast learning: a new fact (a new identity received and accepted, a new local fact, a new or
// rebooted peer's liveness, a peer we have never sent to) goes out this long after it appeared,
// batched, instead of at the next cycle; such early cycles come no closer than kFlushGap after
// the previous cycle. Not wire-visible: a peer only sees its facts sooner, in the same datagrams.
inline constexpr Duration kFlushDelay = 200ms;
inline constexpr Duration kFlushGap = 500ms;
// A peer whose agent a router has not heard from yet (no boot id) gets only the router's ping
// until this long after the first one: a running agent answers it at its next flush (within
// kFlushDelay + kFlushGap), and only then do we send our facts, so they reach an agent that
// listens and go out once. A peer that does not answer (no agent yet, or a slow one) gets them
// after the hold, and again when its first boot id arrives (PROTOCOL.md §6.2).
inline constexpr Duration kUnheardHold = kCycle;
// Path liveness (feature 0x03, between two non-router peers that both advertise it): an alive
// fact every kLivenessPeriod over the direct tunnel; kLivenessDead without any datagram from
// the peer makes its direct path dead (traffic moves to the router) until one arrives again.
inline constexpr Duration kLivenessPeriod = 2s;
inline constexpr Duration kLivenessDead = 5s;
// A gap longer than this between cycles (suspend) or a backwards step rolls the boot id.
inline constexpr Duration kSuspendGap = 10s;

// WireGuard handshake freshness: RekeyAfterTime 120 + RekeyTimeout 5 + KeepaliveTimeout 10 +
// 0.334 s jitter + 30 s fudge.
inline constexpr Duration kHealthyWindow = 165334ms;
// Endpoint cycling while unhealthy: RekeyTimeout + KeepaliveTimeout.
inline constexpr Duration kEndpointCycle = 15s;
// Allowed IPs are applied only while the alive fact has more than this left (or Basic).
inline constexpr Duration kAliveMargin = 2500ms;
// Peer deletion needs a membership source healthy and alive this long, with this much left.
inline constexpr Duration kDeleteHealthyFor = 260s;
inline constexpr Duration kDeleteAliveMargin = 7500ms;

// Sizes. Inner facts of one signed group stay within kMaxInner bytes:
// 1212 ("safe" UDP payload) - 36 (group fact header) - 40 (nonce + tag).
inline constexpr std::size_t kSafePayload = 1212;
inline constexpr std::size_t kGroupHeader = 36;  // attr + TTL 0 + signer key + 2 spare
inline constexpr std::size_t kNonceSize = 24;
inline constexpr std::size_t kTagSize = 16;
inline constexpr std::size_t kMaxInner = kSafePayload - kGroupHeader - kNonceSize - kTagSize;
static_assert(kMaxInner == 1136);
// Receive buffer size used by wirelink 0.14; larger datagrams are truncated there.
inline constexpr std::size_t kReceiveBuffer = 2424;

}  // namespace wl::facts::timing
