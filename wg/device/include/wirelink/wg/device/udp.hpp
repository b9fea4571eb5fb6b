// UdpSockets: the device's IPv4 and IPv6 UDP sockets bound to one port, with the batching the
// kernel offers: recvmmsg with UDP_GRO (coalesced datagrams are split by the caller using the
// reported segment size) and sendmsg with UDP_SEGMENT (GSO), falling back to sendmmsg.
//
// Contract: bind() picks a random port for 0 and binds IPv6 (V6ONLY) to the same port; either
// family may be missing (no IPv6 in the namespace) but not both. Sending is thread-safe
// (sendmsg is atomic per call). Both sockets report each datagram's local destination address
// and interface (IP_PKTINFO / IPV6_RECVPKTINFO) for source pinning. Errors are returned as
// errno values or Result, never thrown.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/wg/noise/peer.hpp"

namespace wl::wg::device {

class UdpSockets {
 public:
  static Result<std::shared_ptr<UdpSockets>> bind(std::uint16_t port, std::uint32_t fwmark);

  std::uint16_t port() const { return port_; }
  int fd4() const { return fd4_.get(); }
  int fd6() const { return fd6_.get(); }
  bool gso() const { return gso_; }
  // 0 on success, else an errno value.
  int set_fwmark(std::uint32_t mark);
  // One datagram. `src`, when given, pins the source address and interface (IP_PKTINFO /
  // IPV6_PKTINFO); if the kernel rejects it (address gone: EINVAL, EADDRNOTAVAIL, ...) the
  // send is retried once unpinned and *src_failed is set so the caller can forget it.
  int send(const Endpoint& to, const std::uint8_t* data, std::size_t len,
           const noise::LocalSource* src = nullptr, bool* src_failed = nullptr);
  // Several datagrams to one endpoint; `iov[i]` is datagram i. Uses UDP GSO when every
  // datagram but the last has size `seg` and the last is not larger. `src` as for send().
  int send_batch(const Endpoint& to, iovec* iov, std::size_t n, std::size_t seg,
                 const noise::LocalSource* src = nullptr, bool* src_failed = nullptr);

 private:
  UniqueFd fd4_;
  UniqueFd fd6_;
  std::uint16_t port_ = 0;
  bool gso_ = true;
};

}  // namespace wl::wg::device
