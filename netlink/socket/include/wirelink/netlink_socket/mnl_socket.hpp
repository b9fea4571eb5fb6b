// MnlSocket: the real netlink Transport, on libmnl.
//
// Contract: owns one netlink socket; blocking by default (set_nonblocking for an event loop,
// then recv returns EAGAIN). Options set at open: NETLINK_EXT_ACK (kernel error strings),
// NETLINK_CAP_ACK (errors do not echo our whole request) and NETLINK_GET_STRICT_CHK (strict
// header checking of dump requests, where the kernel offers it; ignored if unsupported), and
// a receive buffer big enough for 32 KiB dump datagrams. recv() refuses a truncated datagram
// (EMSGSIZE) instead of handing back half a message. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "wirelink/base/result.hpp"
#include "wirelink/netlink/transport.hpp"

struct mnl_socket;

namespace wl::netlink_socket {

class MnlSocket final : public netlink::Transport {
 public:
  // NETLINK_GENERIC for WireGuard, NETLINK_ROUTE for links/addresses/routes.
  static Result<std::unique_ptr<MnlSocket>> open(int protocol, std::uint32_t groups = 0);
  // NETLINK_ROUTE subscribed to link and IPv4/IPv6 address events.
  static Result<std::unique_ptr<MnlSocket>> open_route_events();
  ~MnlSocket() override;
  MnlSocket(const MnlSocket&) = delete;
  MnlSocket& operator=(const MnlSocket&) = delete;

  Result<void> send(std::span<const std::uint8_t> datagram) override;
  Result<std::size_t> recv(std::span<std::uint8_t> buffer) override;
  std::uint32_t port_id() const override;
  int fd() const;
  Result<void> set_nonblocking(bool on);

 private:
  explicit MnlSocket(mnl_socket* s) : sock_(s) {}
  mnl_socket* sock_;
};

}  // namespace wl::netlink_socket
