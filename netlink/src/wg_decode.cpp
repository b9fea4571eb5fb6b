// WireGuard family decoders: GET replies into the device model (DeviceAssembler) and SET
// requests for the fake kernel and the fuzzers (parse_device_request). Both walk the same
// policy tables below, one per nesting level, so every attribute's type and length check is
// written once; the decoders differ only in their setters. Where one decoder has no setter
// for an attribute it neither checks nor reads it (a reply's peer flags, a request's
// counters): what each decoder accepts stays what it needs.
#include <linux/socket.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "attr_policy.hpp"
#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/genl.hpp"
#include "wirelink/netlink/wg_codec.hpp"

namespace wl::netlink::wgnl {
namespace {

using policy::field;
using policy::Problem;

// What the reply decoder writes into: the device being assembled and the peer being read.
// in<C>() is where policy::field rules find the object of class C.
struct ReplySink {
  device_model::DeviceState& state;
  std::unordered_map<PublicKey, std::size_t>& index;
  device_model::PeerState* peer = nullptr;

  template <class C>
  C& in() {
    if constexpr (std::is_same_v<C, device_model::DeviceState>)
      return state;
    else
      return *peer;
  }
};

// What the request decoder writes into: the request and the peer being read.
struct RequestSink {
  DeviceRequest& request;
  device_model::PeerConfig* peer = nullptr;

  template <class C>
  C& in() {
    if constexpr (std::is_same_v<C, DeviceRequest>)
      return request;
    else if constexpr (std::is_same_v<C, device_model::DeviceConfig>)
      return request.config;
    else
      return *peer;
  }
};

// One allowed IP as both decoders read it, before the family/address/prefix checks.
struct AllowedIpFields {
  std::uint16_t family = 0;
  std::span<const std::uint8_t> address;
  std::uint8_t mask = 0;
  std::optional<std::uint32_t> flags;

  template <class C>
  C& in() {
    return *this;
  }
};

using DeviceRule = policy::Rule<ReplySink, RequestSink>;  // device and peer levels
using AllowedIpRule = policy::Rule<AllowedIpFields>;

PublicKey key_from(const Attr& a) {
  std::array<std::uint8_t, 32> k{};
  std::memcpy(k.data(), a.data.data(), 32);  // the policy checked the size
  return PublicKey(k);
}
std::span<const std::uint8_t, 32> key_span(const Attr& a) {
  return std::span<const std::uint8_t, 32>(a.data.data(), 32);  // the policy checked the size
}

std::optional<Endpoint> parse_endpoint(const Attr& a) {
  sockaddr_storage ss{};
  const std::size_t n = std::min(a.data.size(), sizeof ss);
  if (n != sizeof(sockaddr_in) && n != sizeof(sockaddr_in6)) return std::nullopt;
  std::memcpy(&ss, a.data.data(), n);
  return Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&ss), static_cast<socklen_t>(n));
}

std::chrono::system_clock::time_point handshake_time(const Attr& a) {
  std::int64_t ts[2];
  std::memcpy(ts, a.data.data(), 16);
  if (!ts[0] && !ts[1]) return {};
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts[0]) + std::chrono::nanoseconds(ts[1])));
}

// The kernel reports "no key" as zeros; the model says it with an empty optional.
template <class Key>
std::optional<Key> unless_zero(Key k) {
  if (k.is_zero()) return std::nullopt;
  return k;
}

// --- allowed-IP level (WGALLOWEDIP_A_*), shared by both decoders ---

Problem allowed_ip_address(AllowedIpFields& f, const Attr& a) {
  f.address = a.data;  // its length is checked against the family in decode_allowed_ip
  return {};
}

constexpr std::array<AllowedIpRule, 4> kAllowedIpPolicy{{
    field<AllowedIpRule, &AllowedIpFields::family>(aip::family, "allowed IP family", true),
    {aip::ipaddr, policy::kAnyBinary, "allowed IP address", true, {allowed_ip_address}},
    field<AllowedIpRule, &AllowedIpFields::mask>(aip::cidr_mask, "allowed IP mask", true),
    field<AllowedIpRule, &AllowedIpFields::flags>(aip::flags, "allowed IP flags"),
}};
static_assert(policy::types_fit(kAllowedIpPolicy));

Problem decode_allowed_ip(const Attr& nest, AllowedIpFields& f, Cidr& out) {
  if (Problem p = policy::apply("allowed-IP", kAllowedIpPolicy, nest.data, f)) return p;
  IpAddress addr;
  if (f.family == AF_INET && f.address.size() == 4) {
    std::array<std::uint8_t, 4> a{};
    std::memcpy(a.data(), f.address.data(), 4);
    addr = IpAddress::v4(a);
  } else if (f.family == AF_INET6 && f.address.size() == 16) {
    std::array<std::uint8_t, 16> a{};
    std::memcpy(a.data(), f.address.data(), 16);
    addr = IpAddress::v6(a);
  } else {
    return "allowed IP family and address length disagree";
  }
  if (f.mask > addr.bits()) return "allowed IP prefix longer than the address";
  out = Cidr(addr, f.mask);
  return {};
}

// --- peer level (WGPEER_A_*) ---

Problem reply_peer_key(ReplySink& s, const Attr& a) {
  // A peer continued from the previous message is merged into the one already read.
  const PublicKey key = key_from(a);
  auto [it, fresh] = s.index.try_emplace(key, s.state.peers.size());
  if (fresh) {
    s.state.peers.emplace_back();
    s.state.peers.back().public_key = key;
  }
  s.peer = &s.state.peers[it->second];
  return {};
}
Problem request_peer_key(RequestSink& s, const Attr& a) {
  s.peer->public_key = key_from(a);
  return {};
}

Problem reply_psk(ReplySink& s, const Attr& a) {
  s.peer->preshared_key = unless_zero(PresharedKey::from(key_span(a)));
  return {};
}
Problem request_psk(RequestSink& s, const Attr& a) {
  s.peer->preshared_key = PresharedKey::from(key_span(a));  // zeros ask to clear it
  return {};
}

Problem request_peer_flags(RequestSink& s, const Attr& a) {
  const std::uint32_t v = *a.u32();
  s.peer->remove = v & peer::f_remove_me;
  s.peer->update_only = v & peer::f_update_only;
  s.peer->replace_allowed_ips = v & peer::f_replace_allowedips;
  s.request.unknown_peer_flags |=
      v & ~(peer::f_remove_me | peer::f_update_only | peer::f_replace_allowedips);
  return {};
}

// A request's endpoint that is no sockaddr_in/in6 is skipped, as the kernel does; in a
// reply it means the reply is not what we think it is.
Problem reply_endpoint(ReplySink& s, const Attr& a) {
  auto ep = parse_endpoint(a);
  if (!ep) return "endpoint is not a sockaddr_in/in6";
  s.peer->endpoint = *ep;
  return {};
}
Problem request_endpoint(RequestSink& s, const Attr& a) {
  s.peer->endpoint = parse_endpoint(a);
  return {};
}

Problem reply_handshake(ReplySink& s, const Attr& a) {
  s.peer->last_handshake = handshake_time(a);
  return {};
}

Problem request_protocol_version(RequestSink& s, const Attr& a) {
  if (*a.u32() != 1) s.request.bad_protocol_version = true;
  return {};
}

Problem reply_allowed_ips(ReplySink& s, const Attr& list) {
  return policy::for_each_member("allowed-IP", list, [&](const Attr& nest) -> Problem {
    AllowedIpFields f;
    Cidr c;
    if (Problem p = decode_allowed_ip(nest, f, c)) return p;
    s.peer->allowed_ips.push_back(c);  // a GET reply's flags mean nothing
    return {};
  });
}
Problem request_allowed_ips(RequestSink& s, const Attr& list) {
  DeviceRequest& r = s.request;
  return policy::for_each_member("allowed-IP", list, [&](const Attr& nest) -> Problem {
    AllowedIpFields f;
    device_model::AllowedIp a;
    if (Problem p = decode_allowed_ip(nest, f, a.cidr)) return p;
    if (f.flags) {
      r.uses_allowedip_flags = true;
      a.remove = (*f.flags & aip::f_remove_me) != 0;
      r.unknown_allowedip_flags |= *f.flags & ~aip::f_remove_me;
    }
    s.peer->allowed_ips.push_back(a);
    return {};
  });
}

// Rules run in this order: the public key first (it selects the peer), the allowed IPs last.
// clang-format off
constexpr std::array<DeviceRule, 10> kPeerPolicy{{
    {peer::public_key, policy::exact(32), "peer public key", true,
     {reply_peer_key, request_peer_key}},
    {peer::preshared_key, policy::exact(32), "PSK", false, {reply_psk, request_psk}},
    {peer::flags, policy::kU32, "peer flags", false, {nullptr, request_peer_flags}},
    {peer::endpoint, policy::kAnyBinary, "endpoint", false, {reply_endpoint, request_endpoint}},
    field<DeviceRule, &device_model::PeerState::persistent_keepalive, &device_model::PeerConfig::persistent_keepalive>(
        peer::keepalive, "keepalive"),
    {peer::last_handshake, policy::exact(16), "handshake time", false, {reply_handshake, nullptr}},
    field<DeviceRule, &device_model::PeerState::rx_bytes, nullptr>(peer::rx_bytes, "rx bytes"),
    field<DeviceRule, &device_model::PeerState::tx_bytes, nullptr>(peer::tx_bytes, "tx bytes"),
    {peer::protocol_version, policy::kU32, "protocol version", false,
     {policy::store_field<ReplySink, &device_model::PeerState::protocol_version>, request_protocol_version}},
    {peer::allowedips, policy::kNested, "allowed IPs", false,
     {reply_allowed_ips, request_allowed_ips}},
}};
// clang-format on
static_assert(policy::types_fit(kPeerPolicy));

// --- device level (WGDEVICE_A_*) ---

Problem reply_private_key(ReplySink& s, const Attr& a) {
  s.state.private_key = unless_zero(PrivateKey::from(key_span(a)));
  return {};
}
Problem request_private_key(RequestSink& s, const Attr& a) {
  s.request.config.private_key = PrivateKey::from(key_span(a));  // zeros ask to clear it
  return {};
}

Problem reply_public_key(ReplySink& s, const Attr& a) {
  s.state.public_key = unless_zero(key_from(a));
  return {};
}

Problem request_device_flags(RequestSink& s, const Attr& a) {
  const std::uint32_t v = *a.u32();
  s.request.config.replace_peers = (v & dev::f_replace_peers) != 0;
  s.request.unknown_device_flags = v & ~dev::f_replace_peers;
  return {};
}

Problem reply_peers(ReplySink& s, const Attr& list) {
  return policy::for_each_member("peer", list, [&](const Attr& nest) {
    return policy::apply("peer", kPeerPolicy, nest.data, s);
  });
}
Problem request_peers(RequestSink& s, const Attr& list) {
  return policy::for_each_member("peer", list, [&](const Attr& nest) -> Problem {
    device_model::PeerConfig p;
    s.peer = &p;
    Problem problem = policy::apply("peer", kPeerPolicy, nest.data, s);
    s.peer = nullptr;
    if (problem) return problem;
    s.request.config.peers.push_back(std::move(p));
    return {};
  });
}

// clang-format off
constexpr std::array<DeviceRule, 8> kDevicePolicy{{
    field<DeviceRule, &device_model::DeviceState::ifindex, &DeviceRequest::ifindex>(dev::ifindex, "ifindex"),
    field<DeviceRule, &device_model::DeviceState::ifname, &DeviceRequest::ifname>(dev::ifname, "ifname"),
    {dev::private_key, policy::exact(32), "private key", false,
     {reply_private_key, request_private_key}},
    {dev::public_key, policy::exact(32), "public key", false, {reply_public_key, nullptr}},
    {dev::flags, policy::kU32, "flags", false, {nullptr, request_device_flags}},
    field<DeviceRule, &device_model::DeviceState::listen_port, &device_model::DeviceConfig::listen_port>(
        dev::listen_port, "listen port"),
    field<DeviceRule, &device_model::DeviceState::fwmark, &device_model::DeviceConfig::fwmark>(dev::fwmark, "fwmark"),
    {dev::peers, policy::kNested, "peers", false, {reply_peers, request_peers}},
}};
// clang-format on
static_assert(policy::types_fit(kDevicePolicy));

// The device level of one message's payload (genlmsghdr + attributes).
template <class Sink>
Problem decode_device(std::span<const std::uint8_t> payload, Sink& sink) {
  auto attrs = after_header(payload, genl::kGenlHeaderLen);
  if (!attrs) return "short message";
  return policy::apply("device", kDevicePolicy, *attrs, sink);
}

}  // namespace

Result<void> DeviceAssembler::add(std::span<const std::uint8_t> payload) {
  ReplySink sink{state_, index_};
  if (Problem p = decode_device(payload, sink))
    return Error{errc::malformed_reply, "wireguard reply: " + *p};
  return {};
}

device_model::DeviceState DeviceAssembler::take() {
  index_.clear();
  return std::move(state_);
}

Result<DeviceRequest> parse_device_request(std::span<const std::uint8_t> payload) {
  DeviceRequest r;
  RequestSink sink{r};
  if (Problem p = decode_device(payload, sink))
    return make_error(std::errc::invalid_argument, "wireguard request: " + *p);
  r.config.ifname = r.ifname;
  return r;
}

}  // namespace wl::netlink::wgnl
