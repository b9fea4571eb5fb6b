// Deterministic keys and parsed addresses shared by the unit tests, so no test carries its own
// copy. Test-only: the keys are predictable by design.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"

namespace wl::test {

// A public key whose 32 bytes are all `n` (not a point anyone holds the private key for).
inline PublicKey key(std::uint8_t n) {
  std::array<std::uint8_t, 32> b{};
  b.fill(n);
  return PublicKey(b);
}

// A private key from a seed byte, clamped like a real one.
inline PrivateKey private_from_seed(std::uint8_t seed) {
  std::array<std::uint8_t, 32> b{};
  for (std::size_t i = 0; i < b.size(); ++i)
    b[i] = static_cast<std::uint8_t>(seed * 31 + i * 7 + 1);
  b[0] &= 248;
  b[31] &= 127;
  b[31] |= 64;
  return PrivateKey::from(std::span<const std::uint8_t, 32>(b));
}

// Literals the tests know to be valid.
inline Cidr cidr(const char* s) {
  return *Cidr::parse(s);
}
inline Endpoint ep(const char* s) {
  return *Endpoint::parse(s);
}

}  // namespace wl::test
