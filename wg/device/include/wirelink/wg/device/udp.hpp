// UdpSockets: the DatagramSocket of the kernel: an IPv4 and an IPv6 UDP socket bound to one port,
// with the batching the kernel offers: recvmmsg with UDP_GRO (super-datagrams are reported with
// their segment size) and sendmsg with UDP_SEGMENT (GSO), falling back to sendmmsg.
//
// Contract: bind() picks a random port for 0 and binds IPv6 (V6ONLY) to the same port; either
// family may be missing (no IPv6 in the namespace) but not both. poll_fds() are the IPv4 and the
// IPv6 socket. Sending is thread-safe (sendmsg is atomic per call); receiving uses buffers of the
// object, so one thread receives. Both sockets report each datagram's local destination address
// and interface (IP_PKTINFO / IPV6_RECVPKTINFO) for source pinning. A pinned source the kernel
// rejects (address gone: EINVAL, EADDRNOTAVAIL, ...) is retried once unpinned. Otherwise as
// DatagramSocket.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/wg/device/datagram_socket.hpp"
#include "wirelink/wg/device/udp_cmsg.hpp"
#include "wirelink/wg/noise/peer.hpp"

namespace wl::wg::device {

class UdpSockets final : public DatagramSocket {
 public:
  static Result<std::shared_ptr<UdpSockets>> bind(std::uint16_t port, std::uint32_t fwmark);

  std::uint16_t port() const override { return port_; }
  bool has_ipv6() const override { return fd6_.get() >= 0; }
  bool gso() const { return gso_; }
  int set_fwmark(std::uint32_t mark) override;
  std::array<int, 2> poll_fds() const override { return {fd4_.get(), fd6_.get()}; }
  std::size_t receive(std::size_t which, std::span<ReceivedDatagram> out) override;
  int send_batch(const Endpoint& to, iovec* iov, std::size_t n, std::size_t seg,
                 const noise::LocalSource* src, bool* src_failed) override;

 private:
  static constexpr std::size_t kRecvBatch = 64;
  struct alignas(cmsghdr) RecvCtrl {
    char b[kRecvControlSize];
  };

  UniqueFd fd4_;
  UniqueFd fd6_;
  std::uint16_t port_ = 0;
  bool gso_ = true;
  // recvmmsg's scratch, allocated with the sockets, never per batch.
  std::array<mmsghdr, kRecvBatch> rx_msgs_{};
  std::array<iovec, kRecvBatch> rx_iov_{};
  std::array<sockaddr_storage, kRecvBatch> rx_addr_{};
  std::array<RecvCtrl, kRecvBatch> rx_ctrl_{};
};

}  // namespace wl::wg::device
