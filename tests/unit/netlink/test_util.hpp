// Helpers shared by the netlink unit tests.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "wirelink/base/keys.hpp"
#include "wirelink/base/wg_model.hpp"
#include "wirelink/netlink/transport.hpp"

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

// A Transport that records what is sent and answers with scripted datagrams.
class ScriptedTransport final : public wl::netlink::Transport {
 public:
  std::deque<std::vector<std::uint8_t>> replies;
  std::vector<std::vector<std::uint8_t>> sent;
  wl::Result<void> send(std::span<const std::uint8_t> d) override {
    sent.emplace_back(d.begin(), d.end());
    return {};
  }
  wl::Result<std::size_t> recv(std::span<std::uint8_t> buf) override {
    if (replies.empty()) return wl::make_error(std::errc::resource_unavailable_try_again);
    auto d = std::move(replies.front());
    replies.pop_front();
    std::copy(d.begin(), d.end(), buf.begin());
    return d.size();
  }
  std::uint32_t port_id() const override { return 7; }
};

}  // namespace wltest
