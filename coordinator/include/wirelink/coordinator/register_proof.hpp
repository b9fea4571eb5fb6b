// Registration proof: a peer proves to the coordinator that it holds the WireGuard (X25519)
// private key it registers, so nobody can register (and then disconnect) another peer's key.
//
// The coordinator's X25519 key pair is derived from its active Ed25519 signing key (libsodium's
// ed25519 -> curve25519 conversion), so it rotates with the signing key and needs no storage of
// its own. The proof is keyed BLAKE2b-256 over the request's fields and a server challenge,
// keyed with a key derived from X25519(peer private, coordinator public); the coordinator
// computes the same value as X25519(coordinator private, peer public). Byte layout: PROTOCOL.md,
// "Coordinator registration proof".
//
// Contract: pure functions over bytes; no I/O, no logging; thread-safe. Secrets (the shared
// value, the MAC key) are wiped before returning. Errors: coord_errc::proof_invalid (low-order
// peer key, missing or wrong proof, or a coordinator key that is not a usable point).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/paseto.hpp"
#include "wirelink/coordinator/wire.hpp"

namespace wl::coordinator {

// The coordinator's X25519 public key for an Ed25519 signing (public) key.
Result<PublicKey> exchange_public_key(const paseto::V4PublicKey& signing);
// Its X25519 private key, from the Ed25519 secret key.
PrivateKey exchange_secret_key(const paseto::V4SecretKey& signing);

// The exact bytes the proof MACs (exposed for the known-answer test and the documentation).
std::vector<std::uint8_t> register_proof_message(const wire::RegisterRequest& r,
                                                 const PublicKey& coordinator);

// The peer's side: base64 of the 32-byte MAC for `r` (its challenge must already be set).
// `own` is the private key of r.peer_id.
Result<std::string> make_register_proof(const wire::RegisterRequest& r, const PrivateKey& own,
                                        const PublicKey& coordinator);

// The coordinator's side: r.proof verifies for r.peer_id (constant-time comparison).
Result<void> check_register_proof(const wire::RegisterRequest& r,
                                  const PrivateKey& coordinator_secret,
                                  const PublicKey& coordinator_public);

}  // namespace wl::coordinator
