#include "wirelink/wg/allowedips/allowed_ips.hpp"

namespace wl::wg::allowedips_detail {

std::uint32_t load_v4(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

V6Key load_v6(const std::uint8_t* p) {
  V6Key k;
  for (int i = 0; i < 8; ++i) k.hi = (k.hi << 8) | p[i];
  for (int i = 8; i < 16; ++i) k.lo = (k.lo << 8) | p[i];
  return k;
}

std::uint32_t mask_v4(std::uint32_t a, int prefix) {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return a;
  return a & ~((std::uint32_t{1} << (32 - prefix)) - 1);
}

V6Key mask_v6(V6Key a, int prefix) {
  auto mask64 = [](std::uint64_t v, int bits) -> std::uint64_t {
    if (bits <= 0) return 0;
    if (bits >= 64) return v;
    return v & ~((std::uint64_t{1} << (64 - bits)) - 1);
  };
  return V6Key{mask64(a.hi, prefix), mask64(a.lo, prefix - 64)};
}

IpAddress from_v4(std::uint32_t a) {
  return IpAddress::v4({static_cast<std::uint8_t>(a >> 24), static_cast<std::uint8_t>(a >> 16),
                        static_cast<std::uint8_t>(a >> 8), static_cast<std::uint8_t>(a)});
}

IpAddress from_v6(V6Key a) {
  std::array<std::uint8_t, 16> b{};
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(a.hi >> (56 - 8 * i));
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<std::uint8_t>(a.lo >> (56 - 8 * i));
  return IpAddress::v6(b);
}

}  // namespace wl::wg::allowedips_detail
