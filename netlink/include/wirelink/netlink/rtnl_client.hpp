// RouteClient: links, addresses and routes over rtnetlink for a wg-quick-like agent.
//
// Contract: blocking, not thread-safe (one owner, one Transport opened for NETLINK_ROUTE).
// Errors: kernel errnos (generic category) with the extended-ACK text in the detail: ENODEV
// (no such link), EEXIST (link or route exists), EPERM, ...; create_wireguard() maps the
// kernel's "Unknown device type" (EOPNOTSUPP) to errc::wireguard_unavailable, the signal to use
// the userspace engine. Events are read from a separate Transport subscribed to
// rtnl::kEventGroups (see MnlSocket::open_route_events). No logging.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/netlink/requester.hpp"
#include "wirelink/netlink/rtnl_codec.hpp"
#include "wirelink/netlink/transport.hpp"

namespace wl::netlink {

class RouteClient {
 public:
  explicit RouteClient(Transport& route) : req_(route) {}

  Result<std::vector<rtnl::LinkInfo>> list_links();
  Result<std::vector<rtnl::LinkInfo>> list_wireguard_links();
  Result<rtnl::LinkInfo> get_link(std::string_view name);  // ENODEV when missing

  // Creates a link of kind wireguard. EEXIST if the name is taken; errc::wireguard_unavailable
  // when the kernel has no WireGuard.
  Result<rtnl::LinkInfo> create_wireguard(std::string_view name,
                                          std::optional<std::uint32_t> mtu = {});
  Result<void> delete_link(std::uint32_t ifindex);
  Result<void> set_up(std::uint32_t ifindex, bool up);
  Result<void> set_mtu(std::uint32_t ifindex, std::uint32_t mtu);

  // Adds (or updates the flags of) an address; pass rtnl::kAddrNoPrefixRoute to stop a
  // fe80::/64 from adding its prefix route.
  Result<void> add_address(std::uint32_t ifindex, const IpAddress& a, int prefix,
                           std::uint32_t flags = 0);
  Result<void> del_address(std::uint32_t ifindex, const IpAddress& a, int prefix);
  Result<std::vector<rtnl::AddressInfo>> list_addresses(std::uint32_t ifindex);

  // Routes to `dst` via the link, scope link, stamped with `protocol` (our own by default).
  Result<void> add_route(std::uint32_t ifindex, const Cidr& dst,
                         std::uint32_t table = rtnl::kMainTable,
                         std::uint8_t protocol = rtnl::kRouteProtocol);
  Result<void> del_route(std::uint32_t ifindex, const Cidr& dst,
                         std::uint32_t table = rtnl::kMainTable,
                         std::uint8_t protocol = rtnl::kRouteProtocol);
  // Routes of both families with this protocol (optionally only via ifindex), every table.
  Result<std::vector<rtnl::RouteInfo>> list_routes(std::uint8_t protocol = rtnl::kRouteProtocol,
                                                   std::uint32_t ifindex = 0);
  // Every unicast route of both families in `table`, whatever its protocol.
  Result<std::vector<rtnl::RouteInfo>> list_table(std::uint32_t table);
  // Deletes every route list_routes() returns; stops at the first error.
  Result<std::size_t> flush_routes(std::uint8_t protocol = rtnl::kRouteProtocol,
                                   std::uint32_t ifindex = 0);

 private:
  Result<std::vector<rtnl::RouteInfo>> dump_routes(
      const std::function<bool(const rtnl::RouteInfo&)>& keep);
  Requester req_;
};

// Receives one datagram from an event-subscribed transport and decodes it.
Result<std::vector<rtnl::Event>> read_route_events(Transport& events);

}  // namespace wl::netlink
