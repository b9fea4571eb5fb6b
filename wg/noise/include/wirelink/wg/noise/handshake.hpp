// The Noise_IKpsk2 handshake of WireGuard (whitepaper §5.4.2-§5.4.3), as pure functions over
// explicit state. No I/O, no clock, no index allocation: the Engine owns those.
//
// Contract: not thread-safe; every function either fully updates its outputs and returns true,
// or leaves the committed state untouched and returns false (bad tag, all-zero DH, wrong state).
// Ephemeral secrets and chaining keys are wiped as soon as they are not needed.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "wirelink/wg/noise/cookie.hpp"
#include "wirelink/wg/noise/tai64n.hpp"

namespace wl::wg::noise {

// The device's static key pair and what is derived from it once.
struct StaticIdentity {
  Key32 private_key{};
  Key32 public_key{};
  Key32 hash_for_responder{};  // HASH(HASH(CONSTRUCTION) || IDENTIFIER || Spub_local) prefix state
  bool has_key = false;

  StaticIdentity() = default;
  ~StaticIdentity();
  StaticIdentity(const StaticIdentity&) = delete;
  StaticIdentity& operator=(const StaticIdentity&) = delete;
  void set(const Key32& priv);
  void clear();
};

enum class HandshakeState : std::uint8_t {
  zeroed,
  initiation_created,
  initiation_consumed,
  response_created,
  response_consumed,
};

// Per-peer handshake state.
struct Handshake {
  HandshakeState state = HandshakeState::zeroed;
  Key32 hash{};
  Key32 chain_key{};
  Key32 local_ephemeral{};  // private
  Key32 remote_ephemeral{};
  std::uint32_t local_index = 0;
  std::uint32_t remote_index = 0;
  // Peer constants.
  Key32 remote_static{};
  Key32 hash_for_initiator{};  // HASH(Hi || Spub_remote)
  Key32 precomputed_ss{};      // DH(Spriv_local, Spub_remote)
  bool ss_valid = false;
  Key32 preshared_key{};
  // Responder-side replay and flood protection.
  Tai64n greatest_timestamp{};

  Handshake() = default;
  ~Handshake();
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;
  void set_remote_static(const Key32& remote, const StaticIdentity& local);
  void recompute_ss(const StaticIdentity& local);
  // Forgets the in-flight handshake (not the peer constants).
  void clear();
};

// Builds an initiation up to mac1 (the CookieJar adds the MACs).
bool create_initiation(const StaticIdentity& id, Handshake& hs, std::uint32_t local_index,
                       const Tai64n& now, std::uint8_t out[148]);

// First half of consuming an initiation: recovers the initiator's static key. `pending` carries
// the chaining state to the second half once the Engine has found the peer.
struct PendingInitiation {
  Key32 hash{};
  Key32 chain_key{};
  Key32 remote_ephemeral{};
  Key32 remote_static{};
  std::uint32_t sender_index = 0;
  ~PendingInitiation();
};
bool open_initiation(const StaticIdentity& id, std::span<const std::uint8_t> msg,
                     PendingInitiation& pending);
// Second half: decrypts the timestamp with the peer's precomputed static-static secret.
bool finish_initiation(const Handshake& hs, std::span<const std::uint8_t> msg,
                       PendingInitiation& pending, Tai64n& timestamp);
// Commits an accepted initiation into the peer's handshake state.
void commit_initiation(Handshake& hs, PendingInitiation& pending, const Tai64n& timestamp);

bool create_response(Handshake& hs, std::uint32_t local_index, std::uint8_t out[92]);
bool consume_response(const StaticIdentity& id, Handshake& hs, std::span<const std::uint8_t> msg);

// Derives the transport keys from a completed handshake (initiator after consuming a response,
// responder after creating one) and zeroes the handshake.
void derive_transport_keys(Handshake& hs, bool initiator, Key32& send_key, Key32& recv_key);

}  // namespace wl::wg::noise
