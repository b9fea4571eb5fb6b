// Peer: everything the Engine knows about one remote public key: handshake, keypair slots,
// endpoint, timers, staged packets and counters.
//
// Contract: owned by the Engine (shared_ptr so an in-flight packet batch can finish after the
// peer is removed: check `removed`); every field is guarded by the Engine's lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/wg/noise/cookie.hpp"
#include "wirelink/wg/noise/handshake.hpp"
#include "wirelink/wg/noise/keypair.hpp"

namespace wl::wg::noise {

inline constexpr TimePoint kNever = TimePoint::max();

struct PeerTimers {
  TimePoint retransmit_handshake = kNever;
  TimePoint send_keepalive = kNever;
  TimePoint new_handshake = kNever;
  TimePoint zero_key_material = kNever;
  TimePoint persistent_keepalive = kNever;
  bool need_another_keepalive = false;
  bool sent_last_minute_handshake = false;
  int handshake_attempts = 0;
};

// The local side of the path a peer last reached us on: the address its datagram was sent to
// and the interface it arrived on. Replies leave from it (source pinning), so a multi-homed
// host answers from the address the peer talks to, as stateful firewalls and NAT expect.
struct LocalSource {
  IpAddress address;
  std::uint32_t ifindex = 0;
  bool operator==(const LocalSource&) const = default;
};

struct Peer : std::enable_shared_from_this<Peer> {
  PublicKey public_key;
  bool has_psk = false;
  Handshake hs;
  CookieJar cookies;
  std::shared_ptr<Keypair> current;
  std::shared_ptr<Keypair> previous;
  std::shared_ptr<Keypair> next;
  std::optional<Endpoint> endpoint;
  // Set with `endpoint` from authenticated packets; cleared when the operator sets the
  // endpoint or when sending from it fails (the address went away).
  std::optional<LocalSource> local_source;
  std::uint16_t persistent_keepalive = 0;  // seconds
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_bytes = 0;
  WallTime last_handshake{};  // zero = never
  TimePoint last_sent_handshake = TimePoint::min();
  TimePoint last_initiation_consumed = TimePoint::min();
  PeerTimers timers;
  std::deque<std::vector<std::uint8_t>> staged;
  bool removed = false;
};

}  // namespace wl::wg::noise
