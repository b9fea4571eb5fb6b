// The UDP control-message helpers: what a send carries (GSO segment, pinned source) and what
// is read back from a receive's control data.
#include "wirelink/wg/device/udp_cmsg.hpp"

#include <gtest/gtest.h>
#include <netinet/udp.h>

#include <cstring>

namespace wl::wg::device {
namespace {

noise::LocalSource src(const char* text, std::uint32_t ifindex) {
  return noise::LocalSource{*IpAddress::parse(text), ifindex};
}

struct alignas(cmsghdr) Buf {
  char b[kSendControlSize];
};

TEST(UdpCmsg, NothingToSendLeavesNoControl) {
  Buf buf;
  msghdr m{};
  build_send_control(m, buf.b, false, 0, nullptr);
  EXPECT_EQ(m.msg_control, nullptr);
  EXPECT_EQ(m.msg_controllen, 0u);
}

TEST(UdpCmsg, GsoOnly) {
  Buf buf;
  msghdr m{};
  build_send_control(m, buf.b, false, 1420, nullptr);
  ASSERT_EQ(m.msg_controllen, CMSG_SPACE(sizeof(std::uint16_t)));
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, SOL_UDP);
  EXPECT_EQ(c->cmsg_type, UDP_SEGMENT);
  std::uint16_t seg = 0;
  std::memcpy(&seg, CMSG_DATA(c), sizeof seg);
  EXPECT_EQ(seg, 1420);
  EXPECT_EQ(CMSG_NXTHDR(&m, c), nullptr);
}

TEST(UdpCmsg, GsoAndV4SourceTogether) {
  Buf buf;
  msghdr m{};
  const auto s = src("172.29.71.9", 7);
  build_send_control(m, buf.b, false, 1000, &s);
  ASSERT_EQ(m.msg_controllen, CMSG_SPACE(sizeof(std::uint16_t)) + CMSG_SPACE(sizeof(in_pktinfo)));
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_type, UDP_SEGMENT);
  c = CMSG_NXTHDR(&m, c);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, IPPROTO_IP);
  EXPECT_EQ(c->cmsg_type, IP_PKTINFO);
  in_pktinfo pi{};
  std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
  EXPECT_EQ(pi.ipi_ifindex, 7);
  EXPECT_EQ(std::memcmp(&pi.ipi_spec_dst, s.address.data(), 4), 0);
  EXPECT_EQ(pi.ipi_addr.s_addr, 0u);
}

TEST(UdpCmsg, V6SourceWithoutGso) {
  Buf buf;
  msghdr m{};
  const auto s = src("fd00:2971::9", 3);
  build_send_control(m, buf.b, true, 0, &s);
  ASSERT_EQ(m.msg_controllen, CMSG_SPACE(sizeof(in6_pktinfo)));
  cmsghdr* c = CMSG_FIRSTHDR(&m);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, IPPROTO_IPV6);
  EXPECT_EQ(c->cmsg_type, IPV6_PKTINFO);
  in6_pktinfo pi{};
  std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
  EXPECT_EQ(pi.ipi6_ifindex, 3u);
  EXPECT_EQ(std::memcmp(&pi.ipi6_addr, s.address.data(), 16), 0);
}

TEST(UdpCmsg, SourceOfTheOtherFamilyIsLeftOut) {
  Buf buf;
  msghdr m{};
  const auto s = src("172.29.71.9", 7);
  build_send_control(m, buf.b, true, 0, &s);
  EXPECT_EQ(m.msg_controllen, 0u);
  build_send_control(m, buf.b, true, 500, &s);
  EXPECT_EQ(m.msg_controllen, CMSG_SPACE(sizeof(std::uint16_t)));
}

// Builds receive-side control data: UDP_GRO and/or a pktinfo, as the kernel lays it out.
struct RecvBuf {
  alignas(cmsghdr) char b[kRecvControlSize] = {};
  msghdr m{};
  cmsghdr* next = nullptr;
  std::size_t used = 0;
  RecvBuf() {
    m.msg_control = b;
    m.msg_controllen = sizeof b;
    next = CMSG_FIRSTHDR(&m);
  }
  template <typename T>
  void add(int level, int type, const T& v) {
    next->cmsg_level = level;
    next->cmsg_type = type;
    next->cmsg_len = CMSG_LEN(sizeof v);
    std::memcpy(CMSG_DATA(next), &v, sizeof v);
    used += CMSG_SPACE(sizeof v);
    next = reinterpret_cast<cmsghdr*>(b + used);
  }
  const msghdr& done() {
    m.msg_controllen = used;
    return m;
  }
};

// Parses what `r` holds: the segment size and the local source found must be these.
void expect_parsed(RecvBuf& r, std::size_t gro_segment, const noise::LocalSource& want) {
  const RecvControl rc = parse_recv_control(r.done());
  EXPECT_EQ(rc.gro_segment, gro_segment);
  ASSERT_TRUE(rc.local.has_value());
  EXPECT_EQ(*rc.local, want);
}

TEST(UdpCmsg, ParsesGroAndV4Destination) {
  RecvBuf r;
  r.add(SOL_UDP, UDP_GRO, 1380);
  in_pktinfo pi{};
  const auto want = src("172.29.71.9", 5);
  std::memcpy(&pi.ipi_addr, want.address.data(), 4);
  pi.ipi_spec_dst.s_addr = htonl(0xac1d4701);  // the routing's choice: not what we pin
  pi.ipi_ifindex = 5;
  r.add(IPPROTO_IP, IP_PKTINFO, pi);
  expect_parsed(r, 1380, want);
}

TEST(UdpCmsg, ParsesV6Destination) {
  RecvBuf r;
  in6_pktinfo pi{};
  const auto want = src("fe80::9", 4);
  std::memcpy(&pi.ipi6_addr, want.address.data(), 16);
  pi.ipi6_ifindex = 4;
  r.add(IPPROTO_IPV6, IPV6_PKTINFO, pi);
  expect_parsed(r, 0, want);
}

TEST(UdpCmsg, IgnoresTruncatedMulticastAndEmpty) {
  msghdr none{};
  EXPECT_FALSE(parse_recv_control(none).local.has_value());
  {
    RecvBuf r;
    r.add(IPPROTO_IP, IP_PKTINFO, std::uint16_t{1});  // too short for an in_pktinfo
    EXPECT_FALSE(parse_recv_control(r.done()).local.has_value());
  }
  {
    RecvBuf r;
    in_pktinfo pi{};
    pi.ipi_addr.s_addr = htonl(0xe0000001);  // 224.0.0.1
    pi.ipi_ifindex = 2;
    r.add(IPPROTO_IP, IP_PKTINFO, pi);
    EXPECT_FALSE(parse_recv_control(r.done()).local.has_value());
  }
  {
    RecvBuf r;
    r.add(SOL_UDP, UDP_GRO, -1);  // a nonsensical segment size is no segment size
    EXPECT_EQ(parse_recv_control(r.done()).gro_segment, 0u);
  }
}

}  // namespace
}  // namespace wl::wg::device
