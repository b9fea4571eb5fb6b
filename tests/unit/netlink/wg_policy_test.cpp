// The WireGuard attribute policy as both decoders apply it: the GET reply decoder
// (DeviceAssembler) and the SET request decoder (parse_device_request) accept and reject the
// same attribute shapes, except for the attributes only one of them reads.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cerrno>
#include <initializer_list>
#include <string>
#include <vector>

#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/wg_codec.hpp"

namespace nl = wl::netlink;
namespace wgnl = wl::netlink::wgnl;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes attr(std::uint16_t type, const Bytes& data) {
  const auto len = static_cast<std::uint16_t>(4 + data.size());
  Bytes out = {static_cast<std::uint8_t>(len), static_cast<std::uint8_t>(len >> 8),
               static_cast<std::uint8_t>(type), static_cast<std::uint8_t>(type >> 8)};
  out.insert(out.end(), data.begin(), data.end());
  out.resize(nl::align4(out.size()), 0);
  return out;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes nest(std::uint16_t type, std::initializer_list<Bytes> members) {
  return attr(static_cast<std::uint16_t>(type | nl::kNestedFlag), cat(members));
}
// A payload as the decoders get it: genlmsghdr, then the device attributes.
Bytes payload(std::initializer_list<Bytes> device_attrs) {
  Bytes out = {wgnl::cmd::set_device, wgnl::kVersion, 0, 0};
  const Bytes attrs = cat(device_attrs);
  out.insert(out.end(), attrs.begin(), attrs.end());
  return out;
}
Bytes bytes(std::size_t n, std::uint8_t v = 7) {
  return Bytes(n, v);
}
Bytes u16(std::uint16_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8)};
}
Bytes u32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

Bytes allowed_ip(std::initializer_list<Bytes> extra = {}) {
  Bytes core = cat({attr(wgnl::aip::family, u16(AF_INET)), attr(wgnl::aip::ipaddr, {10, 0, 0, 1}),
                    attr(wgnl::aip::cidr_mask, {32})});
  const Bytes more = cat(extra);
  core.insert(core.end(), more.begin(), more.end());
  return attr(nl::kNestedFlag, core);
}
// One peer (public key 7...7) with `extra` attributes, inside the device's peer list.
Bytes one_peer(std::initializer_list<Bytes> extra) {
  Bytes inner = attr(wgnl::peer::public_key, bytes(32));
  const Bytes more = cat(extra);
  inner.insert(inner.end(), more.begin(), more.end());
  return nest(wgnl::dev::peers, {attr(nl::kNestedFlag, inner)});
}

struct Outcome {
  bool reply_ok = false, request_ok = false;
  std::string reply_detail, request_detail;
};
Outcome decode_both(const Bytes& p) {
  Outcome o;
  wgnl::DeviceAssembler a;
  auto r = a.add(p);
  o.reply_ok = static_cast<bool>(r);
  if (!r) {
    EXPECT_EQ(r.error().code, nl::errc::malformed_reply);
    o.reply_detail = r.error().detail;
  }
  auto q = wgnl::parse_device_request(p);
  o.request_ok = static_cast<bool>(q);
  if (!q) {
    EXPECT_EQ(q.error().code, std::errc::invalid_argument);
    o.request_detail = q.error().detail;
  }
  return o;
}
bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST(WgPolicy, AWrongLengthIsRejectedTheSameWayByBothDecoders) {
  struct Case {
    const char* problem;
    Bytes payload;
  };
  const std::vector<Case> cases = {
      {"ifindex size", payload({attr(wgnl::dev::ifindex, bytes(3))})},
      {"private key size", payload({attr(wgnl::dev::private_key, bytes(31))})},
      {"listen port size", payload({attr(wgnl::dev::listen_port, u32(51820))})},
      {"fwmark size", payload({attr(wgnl::dev::fwmark, u16(1))})},
      {"PSK size", payload({one_peer({attr(wgnl::peer::preshared_key, bytes(33))})})},
      {"keepalive size", payload({one_peer({attr(wgnl::peer::keepalive, u32(25))})})},
      {"protocol version size", payload({one_peer({attr(wgnl::peer::protocol_version, {1})})})},
      {"peer public key size",
       payload({nest(wgnl::dev::peers,
                     {attr(nl::kNestedFlag, attr(wgnl::peer::public_key, bytes(16)))})})},
      {"allowed IP family size",
       payload(
           {one_peer({nest(wgnl::peer::allowedips,
                           {attr(nl::kNestedFlag, cat({attr(wgnl::aip::family, u32(AF_INET)),
                                                       attr(wgnl::aip::ipaddr, {10, 0, 0, 1}),
                                                       attr(wgnl::aip::cidr_mask, {32})}))})})})},
      {"allowed IP flags size",
       payload({one_peer(
           {nest(wgnl::peer::allowedips, {allowed_ip({attr(wgnl::aip::flags, u16(1))})})})})},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.problem);
    const Outcome o = decode_both(c.payload);
    EXPECT_FALSE(o.reply_ok);
    EXPECT_FALSE(o.request_ok);
    EXPECT_TRUE(ends_with(o.reply_detail, c.problem)) << o.reply_detail;
    EXPECT_TRUE(ends_with(o.request_detail, c.problem)) << o.request_detail;
  }
}

TEST(WgPolicy, TheRightLengthsAreAcceptedByBothDecoders) {
  // The same attributes as above with their proper sizes: the rejections are about length only.
  const Bytes p = payload(
      {attr(wgnl::dev::ifindex, u32(3)), attr(wgnl::dev::private_key, bytes(32)),
       attr(wgnl::dev::listen_port, u16(51820)), attr(wgnl::dev::fwmark, u32(1)),
       one_peer({attr(wgnl::peer::preshared_key, bytes(32)), attr(wgnl::peer::keepalive, u16(25)),
                 attr(wgnl::peer::protocol_version, u32(1)),
                 nest(wgnl::peer::allowedips, {allowed_ip({attr(wgnl::aip::flags, u32(1))})})})});
  const Outcome o = decode_both(p);
  EXPECT_TRUE(o.reply_ok) << o.reply_detail;
  EXPECT_TRUE(o.request_ok) << o.request_detail;
}

TEST(WgPolicy, AttributesOnlyOneDecoderReadsAreCheckedOnlyThere) {
  // A device public key and a peer's counters/handshake come only in replies.
  for (const Bytes& p : {payload({attr(wgnl::dev::public_key, bytes(31))}),
                         payload({one_peer({attr(wgnl::peer::rx_bytes, u32(1))})}),
                         payload({one_peer({attr(wgnl::peer::last_handshake, bytes(8))})})}) {
    const Outcome o = decode_both(p);
    EXPECT_FALSE(o.reply_ok);
    EXPECT_TRUE(o.request_ok) << o.request_detail;
  }
  // Device and peer flags come only in requests.
  for (const Bytes& p : {payload({attr(wgnl::dev::flags, u16(1))}),
                         payload({one_peer({attr(wgnl::peer::flags, {1})})})}) {
    const Outcome o = decode_both(p);
    EXPECT_TRUE(o.reply_ok) << o.reply_detail;
    EXPECT_FALSE(o.request_ok);
  }
}

TEST(WgPolicy, AnEndpointThatIsNoSockaddrFailsAReplyAndIsSkippedInARequest) {
  const Bytes p = payload({one_peer({attr(wgnl::peer::endpoint, bytes(20))})});
  const Outcome o = decode_both(p);
  EXPECT_FALSE(o.reply_ok);
  auto q = wgnl::parse_device_request(p);
  ASSERT_TRUE(q) << q.error().detail;
  ASSERT_EQ(q->config.peers.size(), 1U);
  EXPECT_FALSE(q->config.peers[0].endpoint);
}

TEST(WgPolicy, UnknownAttributeTypesAreIgnoredAtEveryLevel) {
  // Type 0, a type past each level's last, and a type beyond any table: all skipped.
  const Bytes p = payload(
      {attr(0, bytes(3)), attr(9, bytes(5)), attr(200, bytes(1)),
       attr(wgnl::dev::ifname, {'w', 'g', '0', 0}), attr(wgnl::dev::listen_port, u16(7)),
       one_peer({attr(11, bytes(2)), attr(0x3fff, bytes(1)),
                 nest(wgnl::peer::allowedips, {allowed_ip({attr(5, bytes(9)), attr(0, {})})})})});
  wgnl::DeviceAssembler a;
  auto r = a.add(p);
  ASSERT_TRUE(r) << r.error().detail;
  auto st = a.take();
  EXPECT_EQ(st.ifname, "wg0");
  EXPECT_EQ(st.listen_port, 7);
  ASSERT_EQ(st.peers.size(), 1U);
  EXPECT_EQ(st.peers[0].allowed_ips.size(), 1U);
  auto q = wgnl::parse_device_request(p);
  ASSERT_TRUE(q) << q.error().detail;
  EXPECT_EQ(q->config.ifname, "wg0");
  EXPECT_EQ(q->config.listen_port, 7);
  ASSERT_EQ(q->config.peers.size(), 1U);
  EXPECT_EQ(q->config.peers[0].allowed_ips.size(), 1U);
}

TEST(WgPolicy, RequiredAttributesAreRequiredByBothDecoders) {
  const Bytes no_key = payload(
      {nest(wgnl::dev::peers, {attr(nl::kNestedFlag, attr(wgnl::peer::keepalive, u16(1)))})});
  const Bytes no_mask = payload(
      {one_peer({nest(wgnl::peer::allowedips,
                      {attr(nl::kNestedFlag, cat({attr(wgnl::aip::family, u16(AF_INET)),
                                                  attr(wgnl::aip::ipaddr, {10, 0, 0, 1})}))})})});
  for (const Bytes& p : {no_key, no_mask}) {
    const Outcome o = decode_both(p);
    EXPECT_FALSE(o.reply_ok);
    EXPECT_FALSE(o.request_ok);
    EXPECT_TRUE(ends_with(o.reply_detail, "missing")) << o.reply_detail;
    EXPECT_TRUE(ends_with(o.request_detail, "missing")) << o.request_detail;
  }
}

TEST(WgPolicy, TheLastAttributeOfATypeWins) {
  const Bytes p =
      payload({attr(wgnl::dev::listen_port, u16(1)), attr(wgnl::dev::listen_port, u16(2))});
  wgnl::DeviceAssembler a;
  ASSERT_TRUE(a.add(p));
  EXPECT_EQ(a.take().listen_port, 2);
  auto q = wgnl::parse_device_request(p);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->config.listen_port, 2);
}
