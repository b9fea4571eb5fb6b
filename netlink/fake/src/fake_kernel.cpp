// The fake kernel. Semantics follow reference/kernel-netlink-uapi.md §1 (SET order, silent
// skips, allowed-IP ownership, first error stops) and §2 (links, addresses, routes).
#include "wirelink/netlink_fake/fake_kernel.hpp"

#include <linux/genetlink.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "wirelink/netlink/genl.hpp"

namespace wl::netlink_fake {
namespace nl = wl::netlink;
namespace wgnl = wl::netlink::wgnl;

FakeSocket::~FakeSocket() {
  std::erase(kernel_.event_sockets_, this);
}

Result<void> FakeSocket::send(std::span<const std::uint8_t> datagram) {
  sent.emplace_back(datagram.begin(), datagram.end());
  if (scripted) return {};
  nl::MessageReader r(datagram);
  nl::Message m;
  while (r.next(m)) kernel_.handle(*this, m);
  if (r.malformed())
    return make_error(std::errc::invalid_argument, "fake kernel: malformed request");
  return {};
}

Result<std::size_t> FakeSocket::recv(std::span<std::uint8_t> buffer) {
  if (queue_.empty())
    return make_error(std::errc::resource_unavailable_try_again, "fake kernel: nothing queued");
  auto d = std::move(queue_.front());
  queue_.pop_front();
  if (d.size() > buffer.size())
    return make_error(std::errc::message_size, "fake kernel: datagram larger than buffer");
  std::memcpy(buffer.data(), d.data(), d.size());
  return d.size();
}

FakeKernel::FakeKernel() {
  FakeLink lo;
  lo.index = 1;
  lo.name = "lo";
  lo.flags = IFF_UP | IFF_LOOPBACK;
  lo.mtu = 65536;
  links_[1] = std::move(lo);
}

std::unique_ptr<FakeSocket> FakeKernel::open(int protocol, bool events) {
  auto s = std::make_unique<FakeSocket>(*this, protocol, next_port_++);
  if (events) event_sockets_.push_back(s.get());
  return s;
}

FakeLink& FakeKernel::add_link(const std::string& name, const std::string& kind) {
  FakeLink l;
  l.index = next_index_++;
  l.name = name;
  l.kind = kind;
  l.flags = kind == "wireguard" ? (IFF_POINTOPOINT | IFF_NOARP) : 0;
  l.wg.ifname = name;
  l.wg.ifindex = l.index;
  auto& ref = links_[l.index] = std::move(l);
  broadcast(link_message(ref, RTM_NEWLINK, 0, 0));
  return ref;
}

FakeLink* FakeKernel::link(const std::string& name) {
  for (auto& [i, l] : links_)
    if (l.name == name) return &l;
  return nullptr;
}

FakeLink* FakeKernel::link(std::uint32_t index) {
  auto it = links_.find(index);
  return it == links_.end() ? nullptr : &it->second;
}

device_model::DeviceState* FakeKernel::device(const std::string& name) {
  auto* l = link(name);
  return l && l->kind == "wireguard" ? &l->wg : nullptr;
}

void FakeKernel::handle(FakeSocket& s, const nl::Message& m) {
  if (s.protocol_ == NETLINK_GENERIC)
    handle_genl(s, m);
  else
    handle_route(s, m);
}

void FakeKernel::reply_ack(FakeSocket& s, const nl::Message& req, int err,
                           const std::string& extack) {
  if (err == 0 && !(req.flags & NLM_F_ACK)) return;
  nl::MessageBuilder b(512);
  b.begin(NLMSG_ERROR,
          static_cast<std::uint16_t>(NLM_F_CAPPED | (extack.empty() ? 0 : NLM_F_ACK_TLVS)));
  const std::int32_t e = -err;
  b.put_raw(&e, 4);
  b.put_raw(req.whole.data(), nl::kHeaderLen);
  if (!extack.empty()) b.put_str(NLMSGERR_ATTR_MSG, extack);
  auto out = b.take();
  nl::set_seq(out, req.seq, s.port_);
  s.queue_.push_back(std::move(out));
}

void FakeKernel::reply_dump(FakeSocket& s, const nl::Message& req,
                            std::vector<std::vector<std::uint8_t>> msgs) {
  nl::MessageBuilder done(64);
  done.begin(NLMSG_DONE, NLM_F_MULTI);
  const std::int32_t zero = 0;
  done.put_raw(&zero, 4);
  auto d = done.take();
  nl::set_seq(d, req.seq, s.port_);
  msgs.push_back(std::move(d));
  std::vector<std::uint8_t> datagram;
  for (auto& m : msgs) {
    if (!datagram.empty() && datagram.size() + m.size() > datagram_size) {
      s.queue_.push_back(std::move(datagram));
      datagram.clear();
    }
    datagram.insert(datagram.end(), m.begin(), m.end());
  }
  if (!datagram.empty()) s.queue_.push_back(std::move(datagram));
}

void FakeKernel::broadcast(const std::vector<std::uint8_t>& msg) {
  for (auto* s : event_sockets_) s->queue_.push_back(msg);
}

void FakeKernel::handle_genl(FakeSocket& s, const nl::Message& m) {
  if (m.type == nl::genl::kCtrlFamilyId) {
    auto name = nl::genl::parse_get_family(m.payload);
    if (!name) return reply_ack(s, m, EINVAL);
    if (*name != "wireguard" || !wireguard_available) return reply_ack(s, m, ENOENT);
    s.queue_.push_back(
        nl::genl::build_family_reply({kWireGuardFamily, 1, "wireguard"}, m.seq, s.port_));
    return reply_ack(s, m, 0);
  }
  if (m.type != kWireGuardFamily || !wireguard_available || m.payload.empty())
    return reply_ack(s, m, ENOENT);
  const std::uint8_t cmd = m.payload[0];
  auto req = wgnl::parse_device_request(m.payload);
  if (!req) return reply_ack(s, m, EINVAL, req.error().detail);
  if (!req->ifname.empty() == (req->ifindex != 0)) return reply_ack(s, m, EBADR);
  FakeLink* l = req->ifindex ? link(req->ifindex) : link(req->ifname);
  if (!l) return reply_ack(s, m, ENODEV);
  if (l->kind != "wireguard") return reply_ack(s, m, EOPNOTSUPP);
  if (cmd == wgnl::cmd::get_device) {
    ++get_dumps_seen;
    std::uint16_t flags = 0;
    if (dump_intr_remaining > 0) {
      --dump_intr_remaining;
      flags = NLM_F_DUMP_INTR;
    }
    l->wg.ifname = l->name;
    l->wg.ifindex = l->index;
    return reply_dump(
        s, m,
        wgnl::build_get_replies(kWireGuardFamily, l->wg, dump_message_size, m.seq, s.port_, flags));
  }
  if (cmd != wgnl::cmd::set_device) return reply_ack(s, m, EOPNOTSUPP);
  set_message_sizes.push_back(m.whole.size());
  const long index = set_messages_seen++;
  if (index == fail_set_message) return reply_ack(s, m, fail_set_errno, "injected failure");
  std::string extack;
  const int err = apply_set(*req, &extack);
  set_requests.push_back(std::move(*req));
  reply_ack(s, m, err, extack);
}

int FakeKernel::apply_set(const wgnl::DeviceRequest& r, std::string* extack) {
  FakeLink* l = r.ifindex ? link(r.ifindex) : link(r.ifname);
  device_model::DeviceState& d = l->wg;
  const auto& c = r.config;
  if (r.unknown_device_flags) return EOPNOTSUPP;
  if (c.listen_port) d.listen_port = *c.listen_port;
  if (c.fwmark) d.fwmark = *c.fwmark;
  if (c.replace_peers) d.peers.clear();
  if (c.private_key) {
    if (c.private_key->is_zero()) {
      d.private_key.reset();
      d.public_key.reset();
    } else {
      d.private_key = c.private_key->clone();
      d.public_key = public_key_of(*c.private_key);
      std::erase_if(
          d.peers, [&](const device_model::PeerState& p) { return p.public_key == *d.public_key; });
    }
  }
  for (const auto& pc : c.peers) {
    if (d.public_key && pc.public_key == *d.public_key) continue;
    auto it = std::find_if(d.peers.begin(), d.peers.end(),
                           [&](const auto& p) { return p.public_key == pc.public_key; });
    if (it == d.peers.end()) {
      if (pc.remove || pc.update_only) continue;
      d.peers.emplace_back();
      d.peers.back().public_key = pc.public_key;
      it = d.peers.end() - 1;
    }
    if (pc.remove) {
      d.peers.erase(it);
      continue;
    }
    if (r.bad_protocol_version) return EPFNOSUPPORT;
    if (r.uses_allowedip_flags && !supports_allowedip_flags) {
      *extack = "";
      return EINVAL;  // pre-6.16 kernels parse the allowed-IP nest strictly
    }
    if (r.unknown_allowedip_flags) return EINVAL;
    if (pc.preshared_key) {
      if (pc.preshared_key->is_zero())
        it->preshared_key.reset();
      else
        it->preshared_key = pc.preshared_key->clone();
    }
    if (pc.endpoint) it->endpoint = pc.endpoint;
    if (pc.persistent_keepalive) it->persistent_keepalive = *pc.persistent_keepalive;
    if (pc.replace_allowed_ips) it->allowed_ips.clear();
    for (const auto& a : pc.allowed_ips) {
      if (a.remove) {
        std::erase(it->allowed_ips, a.cidr);
        continue;
      }
      for (auto& other : d.peers)
        if (&other != &*it) std::erase(other.allowed_ips, a.cidr);
      if (std::find(it->allowed_ips.begin(), it->allowed_ips.end(), a.cidr) ==
          it->allowed_ips.end())
        it->allowed_ips.push_back(a.cidr);
    }
  }
  return 0;
}

std::vector<std::uint8_t> FakeKernel::link_message(const FakeLink& l, std::uint16_t type,
                                                   std::uint32_t seq, std::uint32_t pid) {
  nl::MessageBuilder b(512);
  b.begin(type, 0);
  ifinfomsg ifi{};
  ifi.ifi_index = static_cast<int>(l.index);
  ifi.ifi_flags = l.flags;
  b.put_raw(&ifi, sizeof ifi);
  b.put_str(IFLA_IFNAME, l.name);
  b.put_u32(IFLA_MTU, l.mtu);
  if (!l.kind.empty()) {
    auto li = b.nest_start(IFLA_LINKINFO);
    b.put_str(IFLA_INFO_KIND, l.kind);
    b.nest_end(*li);
  }
  auto out = b.take();
  nl::set_seq(out, seq, pid);
  return out;
}

std::vector<std::uint8_t> FakeKernel::addr_message(const FakeAddress& a, std::uint16_t type,
                                                   std::uint32_t seq, std::uint32_t pid) {
  auto out = nl::rtnl::build_address(true, a.ifindex, a.address, a.prefix, a.flags);
  // build_address makes a request; as a reply it only needs its type and flags adjusted.
  const std::uint16_t flags = 0;
  std::memcpy(out.data() + 4, &type, 2);
  std::memcpy(out.data() + 6, &flags, 2);
  nl::set_seq(out, seq, pid);
  return out;
}

std::vector<std::uint8_t> FakeKernel::route_message(const nl::rtnl::RouteInfo& r, std::uint32_t seq,
                                                    std::uint32_t pid) {
  auto out = nl::rtnl::build_route(true, r.oif, r.dst, r.table, r.protocol);
  const std::uint16_t type = RTM_NEWROUTE, flags = NLM_F_MULTI;
  std::memcpy(out.data() + 4, &type, 2);
  std::memcpy(out.data() + 6, &flags, 2);
  nl::set_seq(out, seq, pid);
  return out;
}

void FakeKernel::handle_route(FakeSocket& s, const nl::Message& m) {
  namespace rtnl = nl::rtnl;
  switch (m.type) {
    case RTM_GETLINK: {
      auto req = rtnl::parse_link_request(m);
      if (!req) return reply_ack(s, m, EINVAL);
      if (m.flags & NLM_F_DUMP) {
        std::vector<std::vector<std::uint8_t>> msgs;
        for (auto& [i, l] : links_) msgs.push_back(link_message(l, RTM_NEWLINK, m.seq, s.port_));
        return reply_dump(s, m, std::move(msgs));
      }
      FakeLink* l = req->link.index ? link(req->link.index) : link(req->link.name);
      if (!l) return reply_ack(s, m, ENODEV);
      s.queue_.push_back(link_message(*l, RTM_NEWLINK, m.seq, s.port_));
      return reply_ack(s, m, 0);
    }
    case RTM_NEWLINK: {
      auto req = rtnl::parse_link_request(m);
      if (!req) return reply_ack(s, m, EINVAL);
      if (m.flags & NLM_F_CREATE) {
        if (link(req->link.name)) return reply_ack(s, m, EEXIST);
        if (req->link.kind == "wireguard" && !wireguard_available)
          return reply_ack(s, m, EOPNOTSUPP, "Unknown device type");
        FakeLink& l = add_link(req->link.name, req->link.kind);
        if (req->has_mtu) l.mtu = req->link.mtu;
        return reply_ack(s, m, 0);
      }
      FakeLink* l = req->link.index ? link(req->link.index) : link(req->link.name);
      if (!l) return reply_ack(s, m, ENODEV);
      if (req->has_mtu) l->mtu = req->link.mtu;
      l->flags = (l->flags & ~req->change) | (req->link.flags & req->change);
      broadcast(link_message(*l, RTM_NEWLINK, 0, 0));
      return reply_ack(s, m, 0);
    }
    case RTM_DELLINK: {
      auto req = rtnl::parse_link_request(m);
      if (!req) return reply_ack(s, m, EINVAL);
      FakeLink* l = req->link.index ? link(req->link.index) : link(req->link.name);
      if (!l) return reply_ack(s, m, ENODEV);
      const std::uint32_t idx = l->index;
      for (const auto& a : addresses)
        if (a.ifindex == idx) broadcast(addr_message(a, RTM_DELADDR, 0, 0));
      std::erase_if(addresses, [&](const auto& a) { return a.ifindex == idx; });
      std::erase_if(routes, [&](const auto& r) { return r.oif == idx; });
      broadcast(link_message(*l, RTM_DELLINK, 0, 0));
      links_.erase(idx);
      return reply_ack(s, m, 0);
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      auto a = rtnl::parse_address(m);
      if (!a) return reply_ack(s, m, EINVAL);
      if (!link(a->ifindex)) return reply_ack(s, m, ENODEV);
      auto same = [&](const FakeAddress& x) {
        return x.ifindex == a->ifindex && x.address == a->address && x.prefix == a->prefix;
      };
      auto it = std::find_if(addresses.begin(), addresses.end(), same);
      if (m.type == RTM_DELADDR) {
        if (it == addresses.end()) return reply_ack(s, m, EADDRNOTAVAIL);
        broadcast(addr_message(*it, RTM_DELADDR, 0, 0));
        addresses.erase(it);
        return reply_ack(s, m, 0);
      }
      FakeAddress* stored = nullptr;
      if (it != addresses.end()) {
        it->flags = a->flags;
        stored = &*it;
      } else {
        addresses.push_back({a->ifindex, a->address, a->prefix, a->flags});
        stored = &addresses.back();
      }
      broadcast(addr_message(*stored, RTM_NEWADDR, 0, 0));
      return reply_ack(s, m, 0);
    }
    case RTM_GETADDR: {
      std::vector<std::vector<std::uint8_t>> msgs;
      for (const auto& a : addresses) msgs.push_back(addr_message(a, RTM_NEWADDR, m.seq, s.port_));
      return reply_dump(s, m, std::move(msgs));
    }
    case RTM_NEWROUTE:
    case RTM_DELROUTE: {
      auto r = rtnl::parse_route(m);
      if (!r) return reply_ack(s, m, EINVAL);
      if (r->table == 0) r->table = rtnl::kMainTable;
      auto same = [&](const rtnl::RouteInfo& x) { return x.dst == r->dst && x.table == r->table; };
      auto it = std::find_if(routes.begin(), routes.end(), same);
      if (m.type == RTM_DELROUTE) {
        if (it == routes.end()) return reply_ack(s, m, ESRCH);
        routes.erase(it);
        return reply_ack(s, m, 0);
      }
      if (!link(r->oif)) return reply_ack(s, m, ENODEV);
      if (it != routes.end()) return reply_ack(s, m, EEXIST);
      routes.push_back(*r);
      return reply_ack(s, m, 0);
    }
    case RTM_GETROUTE: {
      std::span<const std::uint8_t> p = m.payload;
      const std::uint8_t fam = p.empty() ? 0 : p[0];
      std::vector<std::vector<std::uint8_t>> msgs;
      for (const auto& r : routes)
        if (fam == 0 || (fam == AF_INET) == r.dst.address().is_v4())
          msgs.push_back(route_message(r, m.seq, s.port_));
      return reply_dump(s, m, std::move(msgs));
    }
    default:
      break;
  }
  reply_ack(s, m, EOPNOTSUPP);
}

}  // namespace wl::netlink_fake
