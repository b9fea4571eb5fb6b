// SecretBytes<N>: fixed-size secret storage (private keys, PSKs, session keys).
//
// Contract: non-copyable (moves wipe the source), wiped with sodium_memzero on destruction,
// never formatted or logged (there is deliberately no operator<< and no to-string).
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wl {

template <std::size_t N>
class SecretBytes {
 public:
  SecretBytes() { bytes_.fill(0); }
  ~SecretBytes() { wipe(); }
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : bytes_(o.bytes_) { o.wipe(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      bytes_ = o.bytes_;
      o.wipe();
    }
    return *this;
  }

  static SecretBytes from(std::span<const std::uint8_t, N> src) {
    SecretBytes s;
    for (std::size_t i = 0; i < N; ++i) s.bytes_[i] = src[i];
    return s;
  }
  // An explicit copy, for the rare place that must hold two (e.g. handing a key to the kernel).
  SecretBytes clone() const { return from(span()); }

  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  static constexpr std::size_t size() { return N; }
  std::span<std::uint8_t, N> span() { return std::span<std::uint8_t, N>(bytes_); }
  std::span<const std::uint8_t, N> span() const { return std::span<const std::uint8_t, N>(bytes_); }

  bool is_zero() const { return sodium_is_zero(bytes_.data(), N) == 1; }
  // Constant-time comparison.
  bool equals(const SecretBytes& o) const {
    return sodium_memcmp(bytes_.data(), o.bytes_.data(), N) == 0;
  }
  void wipe() { sodium_memzero(bytes_.data(), N); }

 private:
  std::array<std::uint8_t, N> bytes_;
};

}  // namespace wl
