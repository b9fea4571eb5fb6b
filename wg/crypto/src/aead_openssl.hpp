// ChaCha20-Poly1305 (RFC 8439) through OpenSSL's EVP interface, with one cipher context per
// thread and direction. Internal to wl_wg_crypto.
#pragma once

#include <cstdint>
#include <span>

namespace wl::wg::crypto {

// False only if OpenSSL fails internally (the caller then falls back to libsodium).
bool ossl_seal(std::uint8_t* out, const std::uint8_t key[32], const std::uint8_t nonce[12],
               std::span<const std::uint8_t> in, std::span<const std::uint8_t> aad);
// False on a bad tag (out may hold unauthenticated bytes then: callers drop the packet).
bool ossl_open(std::uint8_t* out, const std::uint8_t key[32], const std::uint8_t nonce[12],
               std::span<const std::uint8_t> in, std::span<const std::uint8_t> aad);

}  // namespace wl::wg::crypto
