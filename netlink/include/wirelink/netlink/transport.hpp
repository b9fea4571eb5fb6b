// Transport: the seam between netlink clients and the kernel. One datagram at a time.
//
// Contract: send() hands one datagram (one or more complete netlink messages) to the kernel;
// recv() blocks until one datagram arrives and returns its length (a datagram longer than the
// buffer is an error, never silently truncated). Errors are errno codes (generic category).
// Implementations: wl::netlink_socket::MnlSocket (libmnl, the real kernel) and
// wl::netlink_fake::FakeKernel (in-memory, for unit tests). Not thread-safe: one owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "wirelink/base/result.hpp"

namespace wl::netlink {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<void> send(std::span<const std::uint8_t> datagram) = 0;
  virtual Result<std::size_t> recv(std::span<std::uint8_t> buffer) = 0;
  // The socket's netlink port id (0 until bound), used to recognise our replies.
  virtual std::uint32_t port_id() const = 0;
};

// Receive buffer size: dump skbs grow up to 32 KiB with the receive buffer the socket used.
inline constexpr std::size_t kReceiveBufferSize = std::size_t{32} * 1024;

}  // namespace wl::netlink
