// DatagramSocket: the seam between the data plane and the device's UDP port: the kernel's
// sockets (UdpSockets) or an in-memory network in unit tests (FakeNetwork).
//
// Receiving fills caller-owned buffers with datagrams and where they came from and arrived at
// (the local address and interface, for source pinning); a slot may hold a GRO super-datagram,
// several datagrams of one size back to back. Sending takes a batch of datagrams to one
// endpoint, so an implementation can hand it to the kernel in one call (UDP GSO, sendmmsg).
//
// Contract: poll_fds() are polled for POLLIN (-1: absent); receive(i, ...) takes what poll fd i
// has without blocking, from one thread only. Sending is thread-safe. The data plane makes one
// virtual call per batch, never one per packet. Errors are returned as errno values or Result,
// never thrown.
#pragma once

#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/wg/noise/peer.hpp"

namespace wl::wg::device {

struct ReceivedDatagram {
  // Set by the caller once: where to write and how much fits.
  std::uint8_t* data = nullptr;
  std::size_t capacity = 0;
  // Set by receive(). len 0: the slot carries nothing usable.
  std::size_t len = 0;
  std::size_t segment = 0;  // > 0: `len` bytes are datagrams of this size, the last may be shorter
  Endpoint from;
  std::optional<noise::LocalSource> local;
};

class DatagramSocket {
 public:
  virtual ~DatagramSocket() = default;

  virtual std::uint16_t port() const = 0;
  virtual bool has_ipv6() const = 0;
  // 0 on success, else an errno value.
  virtual int set_fwmark(std::uint32_t mark) = 0;
  virtual std::array<int, 2> poll_fds() const = 0;
  // Fills out[0, k) and returns k (0: nothing pending).
  virtual std::size_t receive(std::size_t which, std::span<ReceivedDatagram> out) = 0;
  // Several datagrams to one endpoint; `iov[i]` is datagram i, `seg` the size of all but the
  // last (which is not larger). `src`, when given, pins the source address and interface; if it
  // is no longer usable the batch is sent unpinned and *src_failed is set so the caller can
  // forget it. 0 on success, else an errno value.
  virtual int send_batch(const Endpoint& to, iovec* iov, std::size_t n, std::size_t seg,
                         const noise::LocalSource* src, bool* src_failed) = 0;

  // One datagram, as send_batch.
  int send(const Endpoint& to, const std::uint8_t* data, std::size_t len,
           const noise::LocalSource* src = nullptr, bool* src_failed = nullptr) {
    iovec iov{const_cast<std::uint8_t*>(data), len};
    return send_batch(to, &iov, 1, len, src, src_failed);
  }
};

// Binds the device's UDP port (0: a free one) with a firewall mark (0: none).
using BindDatagramSocket = std::function<Result<std::shared_ptr<DatagramSocket>>(
    std::uint16_t port, std::uint32_t fwmark)>;

}  // namespace wl::wg::device
