#include "wirelink/wg/device/udp_cmsg.hpp"

#include <netinet/udp.h>

#include <array>
#include <cstring>

namespace wl::wg::device {

void build_send_control(msghdr& m, char* buf, bool v6, std::uint16_t gso_seg,
                        const noise::LocalSource* src) {
  const bool pin = src != nullptr && src->address.is_v6() == v6;
  if (gso_seg == 0 && !pin) {
    m.msg_control = nullptr;
    m.msg_controllen = 0;
    return;
  }
  std::memset(buf, 0, kSendControlSize);
  m.msg_control = buf;
  m.msg_controllen = kSendControlSize;
  std::size_t used = 0;
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  if (gso_seg != 0) {
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof gso_seg);
    std::memcpy(CMSG_DATA(c), &gso_seg, sizeof gso_seg);
    used += CMSG_SPACE(sizeof gso_seg);
    c = CMSG_NXTHDR(&m, c);
  }
  if (pin) {
    if (v6) {
      in6_pktinfo pi{};
      std::memcpy(&pi.ipi6_addr, src->address.data(), 16);
      pi.ipi6_ifindex = src->ifindex;
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
      used += CMSG_SPACE(sizeof pi);
    } else {
      // ipi_spec_dst is the source to use; ipi_addr is ignored on send.
      in_pktinfo pi{};
      std::memcpy(&pi.ipi_spec_dst, src->address.data(), 4);
      pi.ipi_ifindex = static_cast<int>(src->ifindex);
      c->cmsg_level = IPPROTO_IP;
      c->cmsg_type = IP_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof pi);
      std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
      used += CMSG_SPACE(sizeof pi);
    }
  }
  m.msg_controllen = used;
}

namespace {
template <typename T>
T cmsg_value(cmsghdr* c) {
  T v{};
  std::memcpy(&v, CMSG_DATA(c), sizeof v);
  return v;
}

// A pktinfo's address (N bytes at `addr`) and interface as a source to answer from.
template <std::size_t N>
noise::LocalSource local_source(const void* addr, std::uint32_t ifindex) {
  std::array<std::uint8_t, N> b{};
  std::memcpy(b.data(), addr, N);
  if constexpr (N == 4) {
    return noise::LocalSource{IpAddress::v4(b), ifindex};
  } else {
    return noise::LocalSource{IpAddress::v6(b), ifindex};
  }
}
}  // namespace

RecvControl parse_recv_control(const msghdr& m) {
  RecvControl out;
  if (m.msg_control == nullptr || m.msg_controllen < sizeof(cmsghdr)) return out;
  auto& mm = const_cast<msghdr&>(m);  // the CMSG_ macros take non-const pointers
  for (cmsghdr* c = CMSG_FIRSTHDR(&mm); c != nullptr; c = CMSG_NXTHDR(&mm, c)) {
    if (c->cmsg_len < CMSG_LEN(0)) break;
    const std::size_t data_len = c->cmsg_len - CMSG_LEN(0);
    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && data_len >= sizeof(int)) {
      if (const int s = cmsg_value<int>(c); s > 0) out.gro_segment = static_cast<std::size_t>(s);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
               data_len >= sizeof(in_pktinfo)) {
      const auto pi = cmsg_value<in_pktinfo>(c);
      // ipi_addr is the header's destination: the address the peer sent to.
      out.local = local_source<4>(&pi.ipi_addr, static_cast<std::uint32_t>(pi.ipi_ifindex));
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               data_len >= sizeof(in6_pktinfo)) {
      const auto pi = cmsg_value<in6_pktinfo>(c);
      out.local = local_source<16>(&pi.ipi6_addr, pi.ipi6_ifindex);
    }
  }
  // A multicast/broadcast destination is no source to answer from.
  if (out.local && (out.local->address.is_multicast() || out.local->address.is_unspecified()))
    out.local.reset();
  return out;
}

}  // namespace wl::wg::device
