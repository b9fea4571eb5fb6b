// The pairwise MAC on a signed group (PROTOCOL.md §4), wire-compatible with wirelink 0.14.
//
// key  = raw X25519(own private, peer public), no KDF; all-zero results are refused.
// tag  = XChaCha20-Poly1305-IETF(key, random 24-byte nonce, plaintext = empty, AD = inner).
// Contract: pure functions over libsodium; keys live in SecretBytes and are wiped. Never logs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "wirelink/base/keys.hpp"
#include "wirelink/base/secret.hpp"
#include "wirelink/facts/timing.hpp"

namespace wl::facts {

using PairwiseKey = SecretBytes<32>;
using Nonce = std::array<std::uint8_t, timing::kNonceSize>;
using Tag = std::array<std::uint8_t, timing::kTagSize>;

// nullopt when the peer key is a low-order point (the shared secret is all zeros).
std::optional<PairwiseKey> pairwise_key(const PrivateKey& own, const PublicKey& peer);

Tag mac_tag(const PairwiseKey& key, const Nonce& nonce, std::span<const std::uint8_t> inner);
// Constant-time verification (libsodium's decrypt with ciphertext = tag).
bool mac_verify(const PairwiseKey& key, const Nonce& nonce, const Tag& tag,
                std::span<const std::uint8_t> inner);

}  // namespace wl::facts
