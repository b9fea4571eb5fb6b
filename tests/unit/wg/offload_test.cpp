// TUN offload helpers: TSO splitting produces valid segments (checksums verified
// independently), and coalescing those segments back gives the original stream.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "wirelink/wg/device/offload.hpp"

using namespace wl::wg::device;

namespace {
std::uint16_t verify_sum(const std::uint8_t* p, std::size_t n, std::uint32_t acc = 0) {
  return csum_fold(csum_partial(p, n, acc));
}

// A TCP/IPv4 super-packet with `payload` bytes, checksum field holding the pseudo-header sum
// the way the kernel hands it over with CHECKSUM_PARTIAL.
std::vector<std::uint8_t> tcp4_super(std::size_t payload, std::uint8_t flags) {
  std::vector<std::uint8_t> p(40 + payload);
  const std::size_t len = p.size();
  p[0] = 0x45;
  p[2] = static_cast<std::uint8_t>(len >> 8);
  p[3] = static_cast<std::uint8_t>(len);
  p[4] = 0x12;
  p[5] = 0x34;
  p[6] = 0x40;  // DF
  p[8] = 64;
  p[9] = 6;
  std::uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
  std::copy(src, src + 4, p.begin() + 12);
  std::copy(dst, dst + 4, p.begin() + 16);
  std::uint8_t* t = p.data() + 20;
  t[0] = 0x13;
  t[1] = 0x88;
  t[2] = 0xc0;
  t[3] = 0x01;
  t[4] = 0x01;
  t[5] = 0x02;
  t[6] = 0x03;
  t[7] = 0x04;  // seq
  t[8] = 0x0a;  // ack
  t[12] = 0x50;
  t[13] = flags;
  t[14] = 0xff;
  for (std::size_t i = 0; i < payload; ++i) p[40 + i] = static_cast<std::uint8_t>(i * 7 + 3);
  return p;
}
}  // namespace

TEST(WgOffload, ChecksumKnownValue) {
  // RFC 1071 example: 0001 f203 f4f5 f6f7 sums to ddf2.
  const std::uint8_t b[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(verify_sum(b, sizeof b), 0xddf2);
}

TEST(WgOffload, ChecksumMatchesReferenceForAllLengthsAndSeeds) {
  std::vector<std::uint8_t> buf(1600);
  std::uint32_t seed = 99;
  for (auto& b : buf) b = static_cast<std::uint8_t>((seed = seed * 1664525u + 1013904223u) >> 24);
  for (std::size_t off = 0; off < 4; ++off) {
    for (std::size_t n = 0; n < 1500; n += (n < 64 ? 1 : 37)) {
      std::uint64_t ref = 0x1234;  // a pseudo-header-like starting value
      for (std::size_t i = 0; i + 1 < n; i += 2) ref += (buf[off + i] << 8) | buf[off + i + 1];
      if (n % 2) ref += buf[off + n - 1] << 8;
      while (ref >> 16) ref = (ref & 0xffff) + (ref >> 16);
      ASSERT_EQ(csum_fold(csum_partial(buf.data() + off, n, 0x1234)), ref)
          << "n=" << n << " off=" << off;
    }
  }
}

TEST(WgOffload, TsoSplitThenCoalesceRoundTrip) {
  const std::size_t mss = 1000;
  auto sup = tcp4_super(4500, 0x18);  // ACK|PSH
  VnetHdr h;
  h.flags = VnetHdr::kNeedsCsum;
  h.gso_type = VnetHdr::kGsoTcpV4;
  h.gso_size = static_cast<std::uint16_t>(mss);
  h.hdr_len = 40;
  h.csum_start = 20;
  h.csum_offset = 16;
  std::vector<std::vector<std::uint8_t>> segs(8, std::vector<std::uint8_t>(2000));
  std::vector<std::uint8_t*> out;
  for (auto& s : segs) out.push_back(s.data());
  std::size_t lens[8];
  const std::size_t n = split(h, sup.data(), sup.size(), out.data(), lens, 8, 2000);
  ASSERT_EQ(n, 5u);
  std::vector<std::uint8_t> stream;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* s = segs[i].data();
    EXPECT_EQ(lens[i], 40 + (i < 4 ? mss : 500));
    EXPECT_EQ(verify_sum(s, 20), 0xffff) << "IPv4 header checksum of segment " << i;
    // TCP checksum over pseudo header + segment must verify.
    std::uint32_t acc = csum_partial(s + 12, 8, 0) + 6 + static_cast<std::uint32_t>(lens[i] - 20);
    EXPECT_EQ(verify_sum(s + 20, lens[i] - 20, acc), 0xffff) << "TCP checksum of segment " << i;
    EXPECT_EQ((s[20 + 13] & 0x08) != 0, i == n - 1) << "PSH only on the last";
    EXPECT_EQ((static_cast<unsigned>(s[4]) << 8 | s[5]), 0x1234u + i);
    stream.insert(stream.end(), s + 40, s + lens[i]);
  }
  EXPECT_TRUE(std::equal(stream.begin(), stream.end(), sup.begin() + 40));

  // Coalescing: every segment continues the first one's flow.
  TcpFlowInfo first = tcp_info(segs[0].data(), lens[0]);
  ASSERT_TRUE(first.tcp);
  std::uint32_t next = first.seq + static_cast<std::uint32_t>(first.payload);
  for (std::size_t i = 1; i < n; ++i) {
    TcpFlowInfo fi = tcp_info(segs[i].data(), lens[i]);
    ASSERT_TRUE(same_flow(segs[0].data(), first, segs[i].data(), fi));
    EXPECT_EQ(fi.seq, next);
    next += static_cast<std::uint32_t>(fi.payload);
  }
  VnetHdr out_h;
  finish_coalesced(segs[0].data(), first, sup.size(), mss, 0x08, out_h);
  EXPECT_EQ(out_h.gso_type, VnetHdr::kGsoTcpV4);
  EXPECT_EQ(out_h.gso_size, mss);
  EXPECT_EQ(verify_sum(segs[0].data(), 20), 0xffff);
  EXPECT_EQ((static_cast<std::size_t>(segs[0][2]) << 8 | segs[0][3]), sup.size());
  // Another flow (different port) is not merged.
  auto other = segs[1];
  other[20] ^= 1;
  EXPECT_FALSE(same_flow(segs[0].data(), first, other.data(), tcp_info(other.data(), lens[1])));
}

TEST(WgOffload, RejectsMalformed) {
  VnetHdr h;
  h.gso_type = VnetHdr::kGsoTcpV4;
  h.gso_size = 100;
  std::vector<std::uint8_t> junk(60, 0x45);
  std::vector<std::uint8_t> buf(2000);
  std::uint8_t* out[4] = {buf.data(), buf.data(), buf.data(), buf.data()};
  std::size_t lens[4];
  EXPECT_EQ(split(h, junk.data(), junk.size(), out, lens, 4, 500), 0u);  // not TCP
  h.gso_type = VnetHdr::kGsoUdp;
  EXPECT_EQ(split(h, junk.data(), junk.size(), out, lens, 4, 500), 0u);
  h.gso_type = VnetHdr::kGsoNone;
  h.flags = VnetHdr::kNeedsCsum;
  h.csum_start = 59;
  h.csum_offset = 16;
  EXPECT_EQ(split(h, junk.data(), junk.size(), out, lens, 4, 500), 0u);  // field past the end
  auto big = tcp4_super(5000, 0x10);
  h = VnetHdr{};
  h.gso_type = VnetHdr::kGsoTcpV4;
  h.gso_size = 100;
  EXPECT_EQ(split(h, big.data(), big.size(), out, lens, 4, 500), 0u);  // too many segments
}
