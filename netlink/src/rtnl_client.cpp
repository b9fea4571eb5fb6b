#include "wirelink/netlink/rtnl_client.hpp"

#include <linux/rtnetlink.h>

#include <cerrno>
#include <string>

#include "wirelink/netlink/errors.hpp"

namespace wl::netlink {

Result<std::vector<rtnl::LinkInfo>> RouteClient::list_links() {
  std::vector<rtnl::LinkInfo> out;
  auto r =
      req_.exchange(rtnl::build_get_links(), "list links", [&](const Message& m) -> Result<void> {
        if (m.type != RTM_NEWLINK) return {};
        auto l = rtnl::parse_link(m);
        if (!l) return l.error();
        out.push_back(std::move(*l));
        return {};
      });
  if (!r) return r.error();
  return out;
}

Result<std::vector<rtnl::LinkInfo>> RouteClient::list_wireguard_links() {
  auto all = list_links();
  if (!all) return all.error();
  std::vector<rtnl::LinkInfo> out;
  for (auto& l : *all)
    if (l.kind == "wireguard") out.push_back(std::move(l));
  return out;
}

Result<rtnl::LinkInfo> RouteClient::get_link(std::string_view name) {
  std::optional<rtnl::LinkInfo> found;
  auto r = req_.exchange(rtnl::build_get_link(name), "get link " + std::string(name),
                         [&](const Message& m) -> Result<void> {
                           if (m.type != RTM_NEWLINK) return {};
                           auto l = rtnl::parse_link(m);
                           if (!l) return l.error();
                           found = std::move(*l);
                           return {};
                         });
  if (!r) return r.error();
  if (!found)
    return make_error(std::errc::no_such_device,
                      "get link " + std::string(name) + ": no such link");
  return *found;
}

Result<rtnl::LinkInfo> RouteClient::create_wireguard(std::string_view name,
                                                     std::optional<std::uint32_t> mtu) {
  auto r = req_.exchange(rtnl::build_new_wireguard_link(name, mtu),
                         "create wireguard link " + std::string(name));
  if (!r) {
    if (r.error().code == std::errc::operation_not_supported)
      return Error{errc::wireguard_unavailable, r.error().detail};
    return r.error();
  }
  return get_link(name);
}

Result<void> RouteClient::delete_link(std::uint32_t ifindex) {
  return req_.exchange(rtnl::build_del_link(ifindex), "delete link " + std::to_string(ifindex));
}

Result<void> RouteClient::set_up(std::uint32_t ifindex, bool up) {
  return req_.exchange(rtnl::build_set_link(ifindex, up, std::nullopt),
                       std::string("set link ") + std::to_string(ifindex) + (up ? " up" : " down"));
}

Result<void> RouteClient::set_mtu(std::uint32_t ifindex, std::uint32_t mtu) {
  return req_.exchange(rtnl::build_set_link(ifindex, std::nullopt, mtu),
                       "set link " + std::to_string(ifindex) + " mtu " + std::to_string(mtu));
}

Result<void> RouteClient::add_address(std::uint32_t ifindex, const IpAddress& a, int prefix,
                                      std::uint32_t flags) {
  return req_.exchange(rtnl::build_address(true, ifindex, a, prefix, flags),
                       "add address " + a.to_string() + "/" + std::to_string(prefix));
}

Result<void> RouteClient::del_address(std::uint32_t ifindex, const IpAddress& a, int prefix) {
  return req_.exchange(rtnl::build_address(false, ifindex, a, prefix, 0),
                       "delete address " + a.to_string() + "/" + std::to_string(prefix));
}

Result<std::vector<rtnl::AddressInfo>> RouteClient::list_addresses(std::uint32_t ifindex) {
  std::vector<rtnl::AddressInfo> out;
  auto r = req_.exchange(rtnl::build_get_addresses(), "list addresses",
                         [&](const Message& m) -> Result<void> {
                           if (m.type != RTM_NEWADDR) return {};
                           auto a = rtnl::parse_address(m);
                           if (!a) return a.error();
                           if (ifindex == 0 || a->ifindex == ifindex) out.push_back(*a);
                           return {};
                         });
  if (!r) return r.error();
  return out;
}

Result<void> RouteClient::add_route(std::uint32_t ifindex, const Cidr& dst, std::uint32_t table,
                                    std::uint8_t protocol) {
  return req_.exchange(rtnl::build_route(true, ifindex, dst, table, protocol),
                       "add route " + dst.to_string());
}

Result<void> RouteClient::del_route(std::uint32_t ifindex, const Cidr& dst, std::uint32_t table,
                                    std::uint8_t protocol) {
  return req_.exchange(rtnl::build_route(false, ifindex, dst, table, protocol),
                       "delete route " + dst.to_string());
}

Result<std::vector<rtnl::RouteInfo>> RouteClient::dump_routes(
    const std::function<bool(const rtnl::RouteInfo&)>& keep) {
  std::vector<rtnl::RouteInfo> out;
  for (std::uint8_t fam : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
    auto r = req_.exchange(rtnl::build_get_routes(fam), "list routes",
                           [&](const Message& m) -> Result<void> {
                             if (m.type != RTM_NEWROUTE) return {};
                             auto rt = rtnl::parse_route(m);
                             if (!rt) return rt.error();
                             if (keep(*rt)) out.push_back(*rt);
                             return {};
                           });
    if (!r) return r.error();
  }
  return out;
}

Result<std::vector<rtnl::RouteInfo>> RouteClient::list_routes(std::uint8_t protocol,
                                                              std::uint32_t ifindex) {
  return dump_routes([&](const rtnl::RouteInfo& rt) {
    return rt.protocol == protocol && (ifindex == 0 || rt.oif == ifindex);
  });
}

Result<std::vector<rtnl::RouteInfo>> RouteClient::list_table(std::uint32_t table) {
  return dump_routes(
      [&](const rtnl::RouteInfo& rt) { return rt.table == table && rt.type == RTN_UNICAST; });
}

Result<std::size_t> RouteClient::flush_routes(std::uint8_t protocol, std::uint32_t ifindex) {
  auto routes = list_routes(protocol, ifindex);
  if (!routes) return routes.error();
  std::size_t n = 0;
  for (const auto& rt : *routes) {
    if (auto r = del_route(rt.oif, rt.dst, rt.table, rt.protocol); !r) return r.error();
    ++n;
  }
  return n;
}

Result<std::vector<rtnl::Event>> read_route_events(Transport& events) {
  std::vector<std::uint8_t> buf(kReceiveBufferSize);
  auto n = events.recv(buf);
  if (!n) return n.error();
  return rtnl::parse_events(std::span<const std::uint8_t>(buf.data(), *n));
}

}  // namespace wl::netlink
