// rtnetlink codec: links (incl. kind "wireguard"), addresses and routes, requests and replies.
//
// Contract: pure, see codec.hpp. Requests are single messages with NLM_F_REQUEST and either
// NLM_F_ACK or NLM_F_DUMP; parsers take one reply/event message and reject malformed ones.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/netlink/codec.hpp"

namespace wl::netlink::rtnl {

// rtm_protocol wirelink stamps on the routes it adds, so it can find and remove exactly its own
// (not a number assigned in /etc/iproute2/rt_protos; `ip route show proto 149` lists them).
inline constexpr std::uint8_t kRouteProtocol = 149;
inline constexpr std::uint32_t kAddrNoPrefixRoute = 0x200;  // IFA_F_NOPREFIXROUTE
inline constexpr std::uint32_t kMainTable = 254;

struct LinkInfo {
  std::uint32_t index = 0;
  std::string name;
  std::string kind;         // IFLA_INFO_KIND, e.g. "wireguard"; empty for kindless links
  std::uint32_t flags = 0;  // IFF_*
  std::uint32_t mtu = 0;
  bool up() const { return flags & 0x1U; }  // IFF_UP
};

struct AddressInfo {
  std::uint32_t ifindex = 0;
  IpAddress address;
  int prefix = 0;
  std::uint32_t flags = 0;  // IFA_F_* (IFA_FLAGS when present)
  std::uint8_t scope = 0;
  // IFA_CACHEINFO's preferred lifetime in seconds; 0 = deprecated, 0xffffffff = forever (also
  // when the kernel sent none).
  std::uint32_t preferred_lft = 0xffffffffU;
};

struct RouteInfo {
  Cidr dst;
  std::uint32_t oif = 0;
  std::uint32_t table = 0;
  std::uint8_t protocol = 0;
  std::uint8_t scope = 0;
  std::uint8_t type = 0;
};

std::vector<std::uint8_t> build_get_links();                      // dump
std::vector<std::uint8_t> build_get_link(std::string_view name);  // one link, by name
std::vector<std::uint8_t> build_new_wireguard_link(std::string_view name,
                                                   std::optional<std::uint32_t> mtu);
std::vector<std::uint8_t> build_del_link(std::uint32_t ifindex);
std::vector<std::uint8_t> build_set_link(std::uint32_t ifindex, std::optional<bool> up,
                                         std::optional<std::uint32_t> mtu);
// v4: IFA_LOCAL = IFA_ADDRESS; v6: IFA_ADDRESS. `flags` go into IFA_FLAGS (and the u8 field).
// Adding replaces an existing identical address (so flags can change).
std::vector<std::uint8_t> build_address(bool add, std::uint32_t ifindex, const IpAddress& a,
                                        int prefix, std::uint32_t flags);
std::vector<std::uint8_t> build_get_addresses();  // dump, both families
// Scope link, RTA_DST + RTA_OIF, RTA_TABLE when table > 255. Adding is exclusive (EEXIST).
std::vector<std::uint8_t> build_route(bool add, std::uint32_t ifindex, const Cidr& dst,
                                      std::uint32_t table, std::uint8_t protocol);
std::vector<std::uint8_t> build_get_routes(std::uint8_t family);  // dump; AF_INET or AF_INET6

Result<LinkInfo> parse_link(const Message& m);        // RTM_NEWLINK / RTM_DELLINK
Result<AddressInfo> parse_address(const Message& m);  // RTM_NEWADDR / RTM_DELADDR
Result<RouteInfo> parse_route(const Message& m);      // RTM_NEWROUTE / RTM_DELROUTE

// Multicast events: what the agent learns about its interface.
struct Event {
  enum class Kind { link_new, link_del, addr_new, addr_del } kind = Kind::link_new;
  LinkInfo link;     // link_* events
  AddressInfo addr;  // addr_* events
};
// Parses one datagram received on a socket subscribed to the link and address groups. Messages
// of other types are skipped; a malformed message is an error (the rest of the datagram too).
Result<std::vector<Event>> parse_events(std::span<const std::uint8_t> datagram);

// Multicast group bits for the subscription (RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
// RTMGRP_IPV6_IFADDR).
inline constexpr std::uint32_t kEventGroups = 0x1U | 0x10U | 0x100U;

// Fake kernel side: the kind requested by an RTM_NEWLINK and its name/mtu/index/flags.
struct LinkRequest {
  LinkInfo link;
  std::uint32_t change = 0;  // ifi_change
  bool has_mtu = false;
};
Result<LinkRequest> parse_link_request(const Message& m);

}  // namespace wl::netlink::rtnl
