#include "wirelink/wg/noise/tai64n.hpp"

namespace wl::wg::noise {

Tai64n tai64n_from(WallTime t) {
  const auto ns_total = t.time_since_epoch().count();
  std::int64_t secs = ns_total / 1'000'000'000;
  std::int64_t nanos = ns_total % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  // Whitepaper: TAI64 label = 2^62 + 10 + seconds (the 10 s TAI-UTC offset of 1972).
  const std::uint64_t label = 0x400000000000000aULL + static_cast<std::uint64_t>(secs);
  // Round down to 2^24 ns so the precise clock does not leak.
  const std::uint32_t n = static_cast<std::uint32_t>(nanos) & ~0xFFFFFFu;
  Tai64n out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(label >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) out[8 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
  return out;
}

}  // namespace wl::wg::noise
