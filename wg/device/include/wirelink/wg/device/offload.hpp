// TUN offloads with the virtio-net header: splitting TCP super-packets the kernel hands us
// (TSO, "GSO" on the TUN read side) into MTU-sized segments, finishing partial checksums,
// and coalescing received TCP segments of one flow into a super-packet for a single TUN write
// (userspace GRO). Pure functions over caller-owned buffers: no allocation, no I/O.
//
// Contract: malformed input (lengths that do not add up, unknown GSO types, non-TCP GSO)
// makes split() return 0 (drop). Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace wl::wg::device {

struct VnetHdr {
  static constexpr std::size_t kSize = 10;
  static constexpr std::uint8_t kNeedsCsum = 1;
  static constexpr std::uint8_t kDataValid = 2;
  static constexpr std::uint8_t kGsoNone = 0;
  static constexpr std::uint8_t kGsoTcpV4 = 1;
  static constexpr std::uint8_t kGsoUdp = 3;
  static constexpr std::uint8_t kGsoTcpV6 = 4;
  static constexpr std::uint8_t kGsoEcn = 0x80;

  std::uint8_t flags = 0;
  std::uint8_t gso_type = 0;
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;

  static VnetHdr load(const std::uint8_t* p);
  void store(std::uint8_t* p) const;
};

// Ones-complement sum helpers (RFC 1071). partial() returns an unfolded 32-bit accumulator.
std::uint32_t csum_partial(const std::uint8_t* p, std::size_t n, std::uint32_t acc);
std::uint16_t csum_fold(std::uint32_t acc);

// Splits one packet read from the TUN device into IP packets. Segment i is written to
// out[i] (each buffer must hold `seg_capacity` bytes) and its length to out_len[i]. Returns
// the number of segments (0 = drop the packet, including when max_out is too small).
std::size_t split(const VnetHdr& h, const std::uint8_t* pkt, std::size_t len,
                  std::uint8_t* const* out, std::size_t* out_len, std::size_t max_out,
                  std::size_t seg_capacity);

// Decides whether `next` (an IP packet) continues the TCP flow of `first`, whose coalesced
// payload so far ends at `expected_seq` with segment size `mss`. Used by Coalescer.
struct TcpFlowInfo {
  bool tcp = false;
  bool v6 = false;
  std::size_t ip_hlen = 0;
  std::size_t hdr_len = 0;  // IP + TCP header
  std::size_t payload = 0;
  std::uint32_t seq = 0;
  std::uint8_t flags = 0;
};
TcpFlowInfo tcp_info(const std::uint8_t* pkt, std::size_t len);
bool same_flow(const std::uint8_t* a, const TcpFlowInfo& ai, const std::uint8_t* b,
               const TcpFlowInfo& bi);

// Rewrites the first packet of a coalesced group in place (lengths, IPv4 header checksum,
// the TCP pseudo-header checksum for CHECKSUM_PARTIAL, PSH from the last segment) and fills
// the virtio header for a TCP GSO write of `total_len` bytes.
void finish_coalesced(std::uint8_t* first, const TcpFlowInfo& fi, std::size_t total_len,
                      std::size_t mss, std::uint8_t extra_flags, VnetHdr& h);

}  // namespace wl::wg::device
