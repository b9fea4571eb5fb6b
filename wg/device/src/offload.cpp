#include "wirelink/wg/device/offload.hpp"

#include <bit>
#include <cstring>

namespace wl::wg::device {

namespace {
std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
void put_be16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
void put_be32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}
std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
void put_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}

constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kPsh = 0x08;
constexpr std::uint8_t kCwr = 0x80;

// Pseudo-header sum for TCP over IPv4/IPv6 with the given TCP length.
std::uint32_t pseudo_sum(const std::uint8_t* ip, bool v6, std::size_t tcp_len) {
  std::uint32_t acc = 0;
  if (v6) {
    acc = csum_partial(ip + 8, 32, 0);
  } else {
    acc = csum_partial(ip + 12, 8, 0);
  }
  acc += 6;
  acc += static_cast<std::uint32_t>(tcp_len & 0xffff) + static_cast<std::uint32_t>(tcp_len >> 16);
  return acc;
}

void ipv4_header_checksum(std::uint8_t* ip, std::size_t hlen) {
  ip[10] = ip[11] = 0;
  const std::uint16_t c = static_cast<std::uint16_t>(~csum_fold(csum_partial(ip, hlen, 0)));
  put_be16(ip + 10, c);
}
}  // namespace

VnetHdr VnetHdr::load(const std::uint8_t* p) {
  VnetHdr h;
  h.flags = p[0];
  h.gso_type = p[1];
  h.hdr_len = le16(p + 2);
  h.gso_size = le16(p + 4);
  h.csum_start = le16(p + 6);
  h.csum_offset = le16(p + 8);
  return h;
}

void VnetHdr::store(std::uint8_t* p) const {
  p[0] = flags;
  p[1] = gso_type;
  put_le16(p + 2, hdr_len);
  put_le16(p + 4, gso_size);
  put_le16(p + 6, csum_start);
  put_le16(p + 8, csum_offset);
}

std::uint32_t csum_partial(const std::uint8_t* p, std::size_t n, std::uint32_t acc) {
  // RFC 1071 sums are byte-order independent: add native (little-endian) 32-bit words into a
  // 64-bit accumulator, fold to 16 bits and swap once at the end. This is the data plane's
  // hottest non-crypto loop (one pass per TSO segment).
  std::uint64_t sum = 0;
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    std::uint32_t w[4];
    std::memcpy(w, p + i, 16);
    sum += static_cast<std::uint64_t>(w[0]) + w[1] + w[2] + w[3];
  }
  for (; i + 4 <= n; i += 4) {
    std::uint32_t w;
    std::memcpy(&w, p + i, 4);
    sum += w;
  }
  if (i + 2 <= n) {
    std::uint16_t h;
    std::memcpy(&h, p + i, 2);
    sum += h;
    i += 2;
  }
  if (i < n) {
    if constexpr (std::endian::native == std::endian::little) {
      sum += p[i];
    } else {
      sum += static_cast<std::uint32_t>(p[i]) << 8;
    }
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  const auto native = static_cast<std::uint16_t>(sum);
  const std::uint32_t be = std::endian::native == std::endian::little
                               ? static_cast<std::uint32_t>((native >> 8) | ((native & 0xff) << 8))
                               : native;
  std::uint64_t total = std::uint64_t{acc} + be;
  while (total >> 32) total = (total & 0xffffffffu) + (total >> 32);
  return static_cast<std::uint32_t>(total);
}

std::uint16_t csum_fold(std::uint32_t acc) {
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  return static_cast<std::uint16_t>(acc);
}

TcpFlowInfo tcp_info(const std::uint8_t* p, std::size_t len) {
  TcpFlowInfo fi;
  if (len < 20) return fi;
  const unsigned version = p[0] >> 4;
  if (version == 4) {
    fi.ip_hlen = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    // No options, not a fragment, TCP.
    if (fi.ip_hlen != 20 || p[9] != 6 || (be16(p + 6) & 0x3fff) != 0) return fi;
    if (be16(p + 2) != len) return fi;
  } else if (version == 6) {
    fi.v6 = true;
    fi.ip_hlen = 40;
    if (len < 40 || p[6] != 6 || be16(p + 4) + 40u != len) return fi;
  } else {
    return fi;
  }
  if (len < fi.ip_hlen + 20) return fi;
  const std::size_t thl = static_cast<std::size_t>(p[fi.ip_hlen + 12] >> 4) * 4;
  if (thl < 20 || fi.ip_hlen + thl > len) return fi;
  fi.hdr_len = fi.ip_hlen + thl;
  fi.payload = len - fi.hdr_len;
  fi.seq = be32(p + fi.ip_hlen + 4);
  fi.flags = p[fi.ip_hlen + 13];
  fi.tcp = true;
  return fi;
}

bool same_flow(const std::uint8_t* a, const TcpFlowInfo& ai, const std::uint8_t* b,
               const TcpFlowInfo& bi) {
  if (!ai.tcp || !bi.tcp || ai.v6 != bi.v6 || ai.hdr_len != bi.hdr_len) return false;
  if (ai.v6) {
    if (std::memcmp(a + 8, b + 8, 32) != 0) return false;
    if (a[1] != b[1] || (a[0] & 0x0f) != (b[0] & 0x0f)) return false;  // traffic class
    if (a[7] != b[7]) return false;                                    // hop limit
  } else {
    if (std::memcmp(a + 12, b + 12, 8) != 0 || a[1] != b[1] || a[8] != b[8]) return false;
  }
  const std::uint8_t* ta = a + ai.ip_hlen;
  const std::uint8_t* tb = b + bi.ip_hlen;
  // ports, ack number, then the options must be identical (as kernel GRO requires).
  if (std::memcmp(ta, tb, 4) != 0 || std::memcmp(ta + 8, tb + 8, 4) != 0) return false;
  if (std::memcmp(ta + 20, tb + 20, ai.hdr_len - ai.ip_hlen - 20) != 0) return false;
  return true;
}

void finish_coalesced(std::uint8_t* first, const TcpFlowInfo& fi, std::size_t total_len,
                      std::size_t mss, std::uint8_t extra_flags, VnetHdr& h) {
  std::uint8_t* tcp = first + fi.ip_hlen;
  tcp[13] |= extra_flags;
  if (fi.v6) {
    put_be16(first + 4, static_cast<std::uint16_t>(total_len - 40));
  } else {
    put_be16(first + 2, static_cast<std::uint16_t>(total_len));
    ipv4_header_checksum(first, fi.ip_hlen);
  }
  const std::size_t tcp_len = total_len - fi.ip_hlen;
  put_be16(tcp + 16, csum_fold(pseudo_sum(first, fi.v6, tcp_len)));
  h.flags = VnetHdr::kNeedsCsum;
  h.gso_type = fi.v6 ? VnetHdr::kGsoTcpV6 : VnetHdr::kGsoTcpV4;
  h.hdr_len = static_cast<std::uint16_t>(fi.hdr_len);
  h.gso_size = static_cast<std::uint16_t>(mss);
  h.csum_start = static_cast<std::uint16_t>(fi.ip_hlen);
  h.csum_offset = 16;
}

std::size_t split(const VnetHdr& h, const std::uint8_t* pkt, std::size_t len,
                  std::uint8_t* const* out, std::size_t* out_len, std::size_t max_out,
                  std::size_t cap) {
  if (max_out == 0 || len == 0) return 0;
  const std::uint8_t gso = h.gso_type & static_cast<std::uint8_t>(~VnetHdr::kGsoEcn);
  if (gso == VnetHdr::kGsoNone) {
    if (len > cap) return 0;
    std::memcpy(out[0], pkt, len);
    if ((h.flags & VnetHdr::kNeedsCsum) != 0) {
      const std::size_t start = h.csum_start;
      const std::size_t field = start + h.csum_offset;
      if (start >= len || field + 2 > len) return 0;
      // The field holds the pseudo-header sum; summing over it and complementing finishes it.
      const std::uint16_t c =
          static_cast<std::uint16_t>(~csum_fold(csum_partial(out[0] + start, len - start, 0)));
      put_be16(out[0] + field, c);
    }
    out_len[0] = len;
    return 1;
  }
  if (gso != VnetHdr::kGsoTcpV4 && gso != VnetHdr::kGsoTcpV6) return 0;
  if (len < 20) return 0;
  const bool v6 = gso == VnetHdr::kGsoTcpV6;
  if ((pkt[0] >> 4) != (v6 ? 6 : 4)) return 0;
  const std::size_t ip_hlen = v6 ? 40 : static_cast<std::size_t>(pkt[0] & 0x0f) * 4;
  if (ip_hlen < 20 || len < ip_hlen + 20) return 0;
  if (v6 ? pkt[6] != 6 : pkt[9] != 6) return 0;
  const std::size_t thl = static_cast<std::size_t>(pkt[ip_hlen + 12] >> 4) * 4;
  const std::size_t hdr = ip_hlen + thl;
  const std::size_t mss = h.gso_size;
  if (thl < 20 || hdr > len || mss == 0) return 0;
  const std::size_t payload = len - hdr;
  const std::size_t n = payload == 0 ? 1 : (payload + mss - 1) / mss;
  if (n > max_out || hdr + mss > cap) return 0;
  const std::uint32_t seq0 = be32(pkt + ip_hlen + 4);
  const std::uint16_t id0 = v6 ? 0 : be16(pkt + 4);
  const std::uint8_t flags0 = pkt[ip_hlen + 13];
  std::size_t off = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t seg = payload - off < mss ? payload - off : mss;
    std::uint8_t* o = out[i];
    std::memcpy(o, pkt, hdr);
    std::memcpy(o + hdr, pkt + hdr + off, seg);
    const std::size_t total = hdr + seg;
    if (v6) {
      put_be16(o + 4, static_cast<std::uint16_t>(total - 40));
    } else {
      put_be16(o + 2, static_cast<std::uint16_t>(total));
      put_be16(o + 4, static_cast<std::uint16_t>(id0 + i));
      ipv4_header_checksum(o, ip_hlen);
    }
    std::uint8_t* tcp = o + ip_hlen;
    put_be32(tcp + 4, seq0 + static_cast<std::uint32_t>(off));
    std::uint8_t fl = flags0;
    if (i + 1 < n) fl &= static_cast<std::uint8_t>(~(kFin | kPsh));
    if (i > 0) fl &= static_cast<std::uint8_t>(~kCwr);
    tcp[13] = fl;
    tcp[16] = tcp[17] = 0;
    const std::size_t tcp_len = total - ip_hlen;
    std::uint32_t acc = pseudo_sum(o, v6, tcp_len);
    acc = csum_partial(tcp, tcp_len, acc);
    put_be16(tcp + 16, static_cast<std::uint16_t>(~csum_fold(acc)));
    out_len[i] = total;
    off += seg;
  }
  return n;
}

}  // namespace wl::wg::device
