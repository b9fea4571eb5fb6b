// FactSocket: the UDP/IPv6 socket that carries fact datagrams, bound to our own link-local
// address on the WireGuard interface (so the tunnel authenticates every datagram's source).
//
// Contract: non-blocking; receive() drains what is queued; send errors that only mean "this
// peer has no route or key right now" (EPERM, ENOKEY, ENETUNREACH, EDESTADDRREQ) are counted,
// not reported.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl::agent {

class FactSocket {
 public:
  static Result<FactSocket> bind(const IpAddress& link_local, unsigned ifindex, std::uint16_t port);
  int fd() const { return fd_.get(); }
  std::uint16_t port() const { return port_; }
  // Calls `on` for every queued datagram; returns how many.
  std::size_t receive(
      const std::function<void(const IpAddress& src, std::span<const std::uint8_t>)>& on);
  // True when sent (or the error was one of the ignorable ones and counted).
  Result<void> send(const IpAddress& dst, std::span<const std::uint8_t> bytes) {
    return send_to(dst, port_, bytes);
  }
  Result<void> send_to(const IpAddress& dst, std::uint16_t port,
                       std::span<const std::uint8_t> bytes);
  std::uint64_t ignored_send_errors() const { return ignored_; }

 private:
  UniqueFd fd_;
  unsigned ifindex_ = 0;
  std::uint16_t port_ = 0;
  std::uint64_t ignored_ = 0;
};

}  // namespace wl::agent
