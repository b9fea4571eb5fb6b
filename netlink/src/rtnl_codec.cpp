// rtnetlink codec. Message layouts: linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h.
#include "wirelink/netlink/rtnl_codec.hpp"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cstring>

#include "wirelink/netlink/errors.hpp"

namespace wl::netlink::rtnl {
namespace {

Error malformed(std::string what) {
  return Error{errc::malformed_reply, "rtnetlink: " + std::move(what)};
}

template <class Hdr>
std::optional<Hdr> family_header(const Message& m, std::span<const std::uint8_t>* attrs) {
  if (m.payload.size() < sizeof(Hdr)) return std::nullopt;
  Hdr h;
  std::memcpy(&h, m.payload.data(), sizeof h);
  *attrs = m.payload.subspan(std::min(m.payload.size(), align4(sizeof(Hdr))));
  return h;
}

std::optional<IpAddress> addr_from(std::span<const std::uint8_t> d, std::uint8_t family) {
  if (family == AF_INET && d.size() == 4) {
    std::array<std::uint8_t, 4> a{};
    std::memcpy(a.data(), d.data(), 4);
    return IpAddress::v4(a);
  }
  if (family == AF_INET6 && d.size() == 16) {
    std::array<std::uint8_t, 16> a{};
    std::memcpy(a.data(), d.data(), 16);
    return IpAddress::v6(a);
  }
  return std::nullopt;
}

MessageBuilder link_msg(std::uint16_t type, std::uint16_t flags, std::uint32_t index,
                        std::uint32_t ifflags, std::uint32_t change) {
  MessageBuilder b(512);
  b.begin(type, flags);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = static_cast<int>(index);
  ifi.ifi_flags = ifflags;
  ifi.ifi_change = change;
  b.put_raw(&ifi, sizeof ifi);
  return b;
}

}  // namespace

std::vector<std::uint8_t> build_get_links() {
  return link_msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 0, 0, 0).take();
}

std::vector<std::uint8_t> build_get_link(std::string_view name) {
  auto b = link_msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, 0, 0, 0);
  b.put_str(IFLA_IFNAME, name.substr(0, IFNAMSIZ - 1));
  return b.take();
}

std::vector<std::uint8_t> build_new_wireguard_link(std::string_view name,
                                                   std::optional<std::uint32_t> mtu) {
  auto b = link_msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 0, 0, 0);
  b.put_str(IFLA_IFNAME, name.substr(0, IFNAMSIZ - 1));
  if (mtu) b.put_u32(IFLA_MTU, *mtu);
  auto li = b.nest_start(IFLA_LINKINFO);
  b.put_str(IFLA_INFO_KIND, "wireguard");
  b.nest_end(*li);
  return b.take();
}

std::vector<std::uint8_t> build_del_link(std::uint32_t ifindex) {
  return link_msg(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex, 0, 0).take();
}

std::vector<std::uint8_t> build_set_link(std::uint32_t ifindex, std::optional<bool> up,
                                         std::optional<std::uint32_t> mtu) {
  auto b = link_msg(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ifindex, up && *up ? IFF_UP : 0,
                    up ? IFF_UP : 0);
  if (mtu) b.put_u32(IFLA_MTU, *mtu);
  return b.take();
}

std::vector<std::uint8_t> build_address(bool add, std::uint32_t ifindex, const IpAddress& a,
                                        int prefix, std::uint32_t flags) {
  MessageBuilder b(256);
  b.begin(
      add ? RTM_NEWADDR : RTM_DELADDR,
      add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE : NLM_F_REQUEST | NLM_F_ACK);
  ifaddrmsg ifa{};
  ifa.ifa_family = a.is_v4() ? AF_INET : AF_INET6;
  ifa.ifa_prefixlen = static_cast<std::uint8_t>(prefix);
  ifa.ifa_flags = static_cast<std::uint8_t>(flags & 0xff);
  ifa.ifa_scope = a.is_link_local() ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  ifa.ifa_index = ifindex;
  b.put_raw(&ifa, sizeof ifa);
  if (a.is_v4()) b.put(IFA_LOCAL, a.data(), a.size());
  b.put(IFA_ADDRESS, a.data(), a.size());
  if (add) b.put_u32(IFA_FLAGS, flags);
  return b.take();
}

std::vector<std::uint8_t> build_get_addresses() {
  MessageBuilder b(64);
  b.begin(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  ifaddrmsg ifa{};
  b.put_raw(&ifa, sizeof ifa);
  return b.take();
}

std::vector<std::uint8_t> build_route(bool add, std::uint32_t ifindex, const Cidr& dst,
                                      std::uint32_t table, std::uint8_t protocol) {
  MessageBuilder b(256);
  b.begin(add ? RTM_NEWROUTE : RTM_DELROUTE,
          add ? NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL : NLM_F_REQUEST | NLM_F_ACK);
  rtmsg rt{};
  rt.rtm_family = dst.address().is_v4() ? AF_INET : AF_INET6;
  rt.rtm_dst_len = static_cast<std::uint8_t>(dst.prefix());
  rt.rtm_table =
      table > 255 ? static_cast<std::uint8_t>(RT_TABLE_UNSPEC) : static_cast<std::uint8_t>(table);
  rt.rtm_protocol = protocol;
  rt.rtm_scope = add ? RT_SCOPE_LINK : RT_SCOPE_NOWHERE;
  rt.rtm_type = RTN_UNICAST;
  b.put_raw(&rt, sizeof rt);
  b.put(RTA_DST, dst.address().data(), dst.address().size());
  b.put_u32(RTA_OIF, ifindex);
  if (table > 255) b.put_u32(RTA_TABLE, table);
  return b.take();
}

std::vector<std::uint8_t> build_get_routes(std::uint8_t family) {
  MessageBuilder b(64);
  b.begin(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  rtmsg rt{};
  rt.rtm_family = family;
  b.put_raw(&rt, sizeof rt);
  return b.take();
}

Result<LinkInfo> parse_link(const Message& m) {
  std::span<const std::uint8_t> attrs;
  auto h = family_header<ifinfomsg>(m, &attrs);
  if (!h) return malformed("short link message");
  LinkInfo l;
  l.index = static_cast<std::uint32_t>(h->ifi_index);
  l.flags = h->ifi_flags;
  std::optional<Attr> t[IFLA_LINKINFO + 1];
  if (!index_attrs(attrs, t)) return malformed("bad link attribute lengths");
  if (t[IFLA_IFNAME]) l.name = std::string(t[IFLA_IFNAME]->str());
  if (t[IFLA_MTU]) {
    auto v = t[IFLA_MTU]->u32();
    if (!v) return malformed("link MTU size");
    l.mtu = *v;
  }
  if (t[IFLA_LINKINFO]) {
    std::optional<Attr> li[IFLA_INFO_KIND + 1];
    if (!index_attrs(t[IFLA_LINKINFO]->data, li)) return malformed("bad link info lengths");
    if (li[IFLA_INFO_KIND]) l.kind = std::string(li[IFLA_INFO_KIND]->str());
  }
  return l;
}

Result<LinkRequest> parse_link_request(const Message& m) {
  std::span<const std::uint8_t> attrs;
  auto h = family_header<ifinfomsg>(m, &attrs);
  if (!h) return malformed("short link request");
  auto l = parse_link(m);
  if (!l) return l.error();
  LinkRequest r;
  r.link = *l;
  r.change = h->ifi_change;
  std::optional<Attr> t[IFLA_MTU + 1];
  index_attrs(attrs, t);
  r.has_mtu = t[IFLA_MTU].has_value();
  return r;
}

Result<AddressInfo> parse_address(const Message& m) {
  std::span<const std::uint8_t> attrs;
  auto h = family_header<ifaddrmsg>(m, &attrs);
  if (!h) return malformed("short address message");
  AddressInfo a;
  a.ifindex = h->ifa_index;
  a.prefix = h->ifa_prefixlen;
  a.flags = h->ifa_flags;
  a.scope = h->ifa_scope;
  std::optional<Attr> t[IFA_FLAGS + 1];
  if (!index_attrs(attrs, t)) return malformed("bad address attribute lengths");
  if (t[IFA_CACHEINFO]) {
    if (t[IFA_CACHEINFO]->data.size() < sizeof(ifa_cacheinfo))
      return malformed("address cacheinfo size");
    ifa_cacheinfo ci{};
    std::memcpy(&ci, t[IFA_CACHEINFO]->data.data(), sizeof ci);
    a.preferred_lft = ci.ifa_prefered;
  }
  const auto& src = t[IFA_LOCAL] ? t[IFA_LOCAL] : t[IFA_ADDRESS];
  if (!src) return malformed("address message without an address");
  auto ip = addr_from(src->data, h->ifa_family);
  if (!ip) return malformed("address family and length disagree");
  if (a.prefix > ip->bits()) return malformed("address prefix too long");
  a.address = *ip;
  if (t[IFA_FLAGS]) {
    auto v = t[IFA_FLAGS]->u32();
    if (!v) return malformed("address flags size");
    a.flags = *v;
  }
  return a;
}

Result<RouteInfo> parse_route(const Message& m) {
  std::span<const std::uint8_t> attrs;
  auto h = family_header<rtmsg>(m, &attrs);
  if (!h) return malformed("short route message");
  if (h->rtm_family != AF_INET && h->rtm_family != AF_INET6) return malformed("route family");
  RouteInfo r;
  r.table = h->rtm_table;
  r.protocol = h->rtm_protocol;
  r.scope = h->rtm_scope;
  r.type = h->rtm_type;
  std::optional<Attr> t[RTA_TABLE + 1];
  if (!index_attrs(attrs, t)) return malformed("bad route attribute lengths");
  IpAddress dst = h->rtm_family == AF_INET ? IpAddress() : IpAddress::v6({});
  if (t[RTA_DST]) {
    auto ip = addr_from(t[RTA_DST]->data, h->rtm_family);
    if (!ip) return malformed("route destination length");
    dst = *ip;
  }
  if (h->rtm_dst_len > dst.bits()) return malformed("route prefix too long");
  r.dst = Cidr(dst, h->rtm_dst_len);
  if (t[RTA_OIF]) {
    auto v = t[RTA_OIF]->u32();
    if (!v) return malformed("route oif size");
    r.oif = *v;
  }
  if (t[RTA_TABLE]) {
    auto v = t[RTA_TABLE]->u32();
    if (!v) return malformed("route table size");
    r.table = *v;
  }
  return r;
}

Result<std::vector<Event>> parse_events(std::span<const std::uint8_t> datagram) {
  std::vector<Event> out;
  MessageReader reader(datagram);
  Message m;
  while (reader.next(m)) {
    Event e;
    switch (m.type) {
      case RTM_NEWLINK:
      case RTM_DELLINK: {
        auto l = parse_link(m);
        if (!l) return l.error();
        e.kind = m.type == RTM_NEWLINK ? Event::Kind::link_new : Event::Kind::link_del;
        e.link = std::move(*l);
        break;
      }
      case RTM_NEWADDR:
      case RTM_DELADDR: {
        auto a = parse_address(m);
        if (!a) return a.error();
        e.kind = m.type == RTM_NEWADDR ? Event::Kind::addr_new : Event::Kind::addr_del;
        e.addr = *a;
        break;
      }
      default:
        continue;
    }
    out.push_back(std::move(e));
  }
  if (reader.malformed()) return malformed("truncated event datagram");
  return out;
}

}  // namespace wl::netlink::rtnl
