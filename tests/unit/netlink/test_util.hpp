// Helpers shared by the netlink unit tests.
#pragma once

#include <array>
#include <memory>

#include "wirelink/base/device_model.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/netlink_fake/fake_kernel.hpp"

namespace wltest {

inline wl::PublicKey key_n(std::uint32_t n) {
  std::array<std::uint8_t, 32> b{};
  for (int i = 0; i < 32; ++i)
    b[static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>((n * 131 + static_cast<std::uint32_t>(i) * 7 + 1) & 0xff);
  b[0] = static_cast<std::uint8_t>(n);
  b[1] = static_cast<std::uint8_t>(n >> 8);
  b[2] = static_cast<std::uint8_t>(n >> 16);
  return wl::PublicKey(b);
}

inline wl::Cidr v4(std::uint32_t n, int prefix = 32) {
  return wl::Cidr(
      wl::IpAddress::v4({10, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                         static_cast<std::uint8_t>(n)}),
      prefix);
}
inline wl::Cidr v6(std::uint32_t n, int prefix = 128) {
  std::array<std::uint8_t, 16> b{0xfd,
                                 0x00,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 0,
                                 static_cast<std::uint8_t>(n >> 24),
                                 static_cast<std::uint8_t>(n >> 16),
                                 static_cast<std::uint8_t>(n >> 8),
                                 static_cast<std::uint8_t>(n)};
  return wl::Cidr(wl::IpAddress::v6(b), prefix);
}

// A client of type Client on a socket of a fresh fake kernel (knobs set after construction
// apply: the kernel reads them per request).
template <class Client, int Protocol>
struct FakeKernelClient {
  wl::netlink_fake::FakeKernel kernel;
  std::unique_ptr<wl::netlink_fake::FakeSocket> socket = kernel.open(Protocol);
  Client client{*socket};
};

}  // namespace wltest
