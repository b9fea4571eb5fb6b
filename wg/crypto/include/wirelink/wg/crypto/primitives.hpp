// The WireGuard primitives: BLAKE2s HASH/MAC, HMAC-BLAKE2s, the HKDF-style KDF, X25519 and the
// two AEADs.
//
// Contract: pure functions, thread-safe, no allocation, no logging. Every function that can
// fail returns bool (false = reject): DH with an all-zero result, AEAD tag mismatch. Callers
// must call init() once before use (it is idempotent and thread-safe via libsodium).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace wl::wg::crypto {

inline constexpr std::size_t kKeyLen = 32;
inline constexpr std::size_t kHashLen = 32;
inline constexpr std::size_t kMacLen = 16;
inline constexpr std::size_t kTagLen = 16;
inline constexpr std::size_t kXNonceLen = 24;

using Bytes = std::span<const std::uint8_t>;

bool init();

// HASH(a || b || c): unkeyed BLAKE2s-256 over the concatenation.
void hash(std::uint8_t out[kHashLen], Bytes a, Bytes b = {}, Bytes c = {});
// MAC(key, x): keyed BLAKE2s with output length 16 (not a truncated 32-byte hash).
void mac(std::uint8_t out[kMacLen], Bytes key, Bytes x);
// HMAC-BLAKE2s-256 (RFC 2104, 64-byte block) over a || b.
void hmac(std::uint8_t out[kHashLen], Bytes key, Bytes a, Bytes b = {});
// KDF_n(key, input): writes n (1..3) 32-byte outputs; null outputs are skipped but computed.
void kdf(std::uint8_t* t1, std::uint8_t* t2, std::uint8_t* t3, Bytes key, Bytes input);

// X25519. dh() returns false when the shared secret is all zeros (low-order point).
bool dh(std::uint8_t out[kKeyLen], const std::uint8_t priv[kKeyLen],
        const std::uint8_t pub[kKeyLen]);
void dh_public(std::uint8_t pub[kKeyLen], const std::uint8_t priv[kKeyLen]);
// A fresh clamped private key.
void dh_generate(std::uint8_t priv[kKeyLen]);

// Which implementation computes ChaCha20-Poly1305 (both are RFC 8439; tests check both
// against the RFC vector and each other). libsodium is the reference; OpenSSL's EVP code is
// several times faster on CPUs with AVX2/AVX-512, where it dominates the data plane's cost.
// Set once at start-up, before any thread encrypts.
enum class AeadBackend { sodium, openssl };
void set_aead_backend(AeadBackend b);
AeadBackend aead_backend();

// ChaCha20-Poly1305 IETF with nonce = 4 zero bytes || counter (LE). out has in.size()+16 bytes;
// in and out may be the same buffer (in place).
void aead_seal(std::uint8_t* out, const std::uint8_t key[kKeyLen], std::uint64_t counter, Bytes in,
               Bytes aad);
// out has in.size()-16 bytes; returns false on a bad tag or short input. In place is allowed.
bool aead_open(std::uint8_t* out, const std::uint8_t key[kKeyLen], std::uint64_t counter, Bytes in,
               Bytes aad);

// XChaCha20-Poly1305 (cookie replies only).
void xaead_seal(std::uint8_t* out, const std::uint8_t key[kKeyLen],
                const std::uint8_t nonce[kXNonceLen], Bytes in, Bytes aad);
bool xaead_open(std::uint8_t* out, const std::uint8_t key[kKeyLen],
                const std::uint8_t nonce[kXNonceLen], Bytes in, Bytes aad);

void random_bytes(std::uint8_t* out, std::size_t n);
std::uint32_t random_u32();
// Uniform in [0, bound).
std::uint32_t random_uniform(std::uint32_t bound);
void wipe(void* p, std::size_t n);
// Constant-time equality of 16 bytes.
bool equal16(const std::uint8_t* a, const std::uint8_t* b);

}  // namespace wl::wg::crypto
