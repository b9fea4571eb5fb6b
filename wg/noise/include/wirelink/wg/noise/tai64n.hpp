// TAI64N timestamps for handshake initiations, with the nanoseconds rounded down to 2^24 ns so
// the sender's precise clock does not leak. Pure.
#pragma once

#include <array>
#include <cstdint>

#include "wirelink/base/clock.hpp"

namespace wl::wg::noise {

using Tai64n = std::array<std::uint8_t, 12>;
Tai64n tai64n_from(WallTime t);
// Big-endian byte order makes memcmp the chronological order.
inline bool tai64n_after(const Tai64n& a, const Tai64n& b) {
  return a > b;
}

}  // namespace wl::wg::noise
