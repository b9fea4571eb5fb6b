#include "wirelink/wg/noise/messages.hpp"

namespace wl::wg::noise {

MessageType classify(std::span<const std::uint8_t> d) {
  if (d.size() < 4) return MessageType::invalid;
  // The whole 32-bit little-endian word is the type: reserved bytes must be zero.
  switch (load_le32(d.data())) {
    case 1:
      return d.size() == kInitiationSize ? MessageType::initiation : MessageType::invalid;
    case 2:
      return d.size() == kResponseSize ? MessageType::response : MessageType::invalid;
    case 3:
      return d.size() == kCookieReplySize ? MessageType::cookie_reply : MessageType::invalid;
    case 4:
      return d.size() >= kTransportMinSize ? MessageType::transport : MessageType::invalid;
    default:
      return MessageType::invalid;
  }
}

std::size_t inner_packet_length(std::span<const std::uint8_t> p) {
  if (p.empty()) return 0;
  const unsigned version = p[0] >> 4;
  if (version == 4) {
    if (p.size() < 20) return 0;
    const std::size_t len = (std::size_t{p[2]} << 8) | p[3];
    if (len < 20 || len > p.size()) return 0;
    return len;
  }
  if (version == 6) {
    if (p.size() < 40) return 0;
    const std::size_t len = 40 + ((std::size_t{p[4]} << 8) | p[5]);
    if (len > p.size()) return 0;
    return len;
  }
  return 0;
}

}  // namespace wl::wg::noise
