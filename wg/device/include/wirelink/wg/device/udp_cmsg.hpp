// Control messages of the UDP sockets: building the ancillary data of a send (UDP_SEGMENT for
// GSO, IP_PKTINFO / IPV6_PKTINFO for the pinned source) and reading what a receive reported
// (UDP_GRO segment size, the local address and interface the datagram arrived on).
//
// Contract: pure functions over caller-owned buffers; no I/O, no allocation, never throw.
// Malformed or foreign control messages are ignored, never trusted for more than they say.
#pragma once

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>

#include "wirelink/wg/noise/peer.hpp"

// Older libc headers lack the UDP GSO/GRO socket options (values from linux/udp.h).
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

namespace wl::wg::device {

// Room for one UDP_SEGMENT plus one pktinfo of either family.
inline constexpr std::size_t kSendControlSize =
    CMSG_SPACE(sizeof(std::uint16_t)) + CMSG_SPACE(sizeof(in6_pktinfo));
// Room for UDP_GRO plus one pktinfo, with slack for anything else the kernel adds.
inline constexpr std::size_t kRecvControlSize =
    CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in6_pktinfo));

// Fills `buf` (kSendControlSize bytes, cmsghdr-aligned) for a send on a socket of family
// `v6`, and points `m` at it: a UDP_SEGMENT of `gso_seg` when non-zero, and a pktinfo with
// `src` when given and of the socket's family. With neither, `m` gets no control data.
void build_send_control(msghdr& m, char* buf, bool v6, std::uint16_t gso_seg,
                        const noise::LocalSource* src);

struct RecvControl {
  std::size_t gro_segment = 0;  // 0: not coalesced
  std::optional<noise::LocalSource> local;
};
// Reads the control data a receive left in `m`.
RecvControl parse_recv_control(const msghdr& m);

}  // namespace wl::wg::device
