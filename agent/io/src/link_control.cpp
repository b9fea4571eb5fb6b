// The system LinkControl over rtnetlink (the netlink module's RouteClient on a libmnl socket).
#include "wirelink/agent/netlink_backends.hpp"

#include <algorithm>
#include <cerrno>
#include <map>

#include "wirelink/netlink/rtnl_client.hpp"
#include "wirelink/netlink_socket/mnl_socket.hpp"

#include <linux/if_addr.h>
#include <linux/netlink.h>

namespace wl::agent {

namespace {

bool is_enodev(const Error& e) {
  return e.code == std::errc::no_such_device;
}

class RtnlLinkControl final : public LinkControl {
 public:
  RtnlLinkControl(std::unique_ptr<netlink::Transport> s, std::unique_ptr<netlink::Transport> events,
                  int events_fd)
      : sock_(std::move(s)), rt_(*sock_), events_(std::move(events)), events_fd_(events_fd) {}

  int event_fd() const override { return events_ ? events_fd_ : -1; }

  std::vector<LinkEvent> take_events() override {
    std::vector<LinkEvent> out;
    if (!events_) return out;
    for (;;) {
      auto batch = netlink::read_route_events(*events_);
      if (!batch) {
        const auto code = batch.error().code;
        if (code == std::errc::no_buffer_space) {  // the kernel dropped events for us
          out.push_back(LinkEvent{LinkEvent::Kind::resync, 0, {}, {}});
          continue;
        }
        // Drained (EAGAIN), or a malformed datagram (already consumed; counted). Anything still
        // queued keeps the socket readable, so the loop calls us again.
        if (code != std::errc::resource_unavailable_try_again) ++dropped_;
        break;
      }
      for (const auto& e : *batch) {
        using K = netlink::rtnl::Event::Kind;
        switch (e.kind) {
          case K::link_new:
            out.push_back(LinkEvent{LinkEvent::Kind::link_changed, e.link.index, e.link.name, {}});
            break;
          case K::link_del:
            out.push_back(LinkEvent{LinkEvent::Kind::link_removed, e.link.index, e.link.name, {}});
            break;
          case K::addr_del:
            out.push_back(
                LinkEvent{LinkEvent::Kind::address_removed, e.addr.ifindex, {}, e.addr.address});
            break;
          case K::addr_new:
            out.push_back(
                LinkEvent{LinkEvent::Kind::address_added, e.addr.ifindex, {}, e.addr.address});
            break;
        }
      }
    }
    return out;
  }

  std::uint64_t dropped_events() const override { return dropped_; }

  Result<LinkInfo> link(const std::string& iface) override {
    auto l = rt_.get_link(iface);
    if (!l) {
      if (is_enodev(l.error()))
        return make_error(std::errc::no_such_device, "interface " + iface + " not found");
      return l.error();
    }
    return LinkInfo{l->index, l->up()};
  }

  Result<bool> add_address(unsigned ifindex, const IpAddress& addr, int prefix) override {
    auto have = rt_.list_addresses(ifindex);
    if (!have) return have.error();
    for (const auto& a : *have)
      if (a.address == addr && a.prefix == prefix) return false;
    auto r = rt_.add_address(ifindex, addr, prefix);
    if (!r) return r.error();
    return true;
  }

  Result<void> remove_address(unsigned ifindex, const IpAddress& addr, int prefix) override {
    return rt_.del_address(ifindex, addr, prefix);
  }

  std::vector<InterfaceInfo> interfaces(const std::string& wg_iface) override {
    std::vector<InterfaceInfo> out;
    auto links = rt_.list_links();
    if (!links) return out;
    auto addrs = rt_.list_addresses(0);
    std::map<std::uint32_t, std::size_t> by_index;
    for (const auto& l : *links) {
      by_index[l.index] = out.size();
      out.push_back(
          InterfaceInfo{l.name, l.up(), l.kind == "wireguard" || l.name == wg_iface, {}, {}});
    }
    if (addrs)
      for (const auto& a : *addrs)
        if (auto it = by_index.find(a.ifindex); it != by_index.end() && usable(a)) {
          out[it->second].addresses.push_back(a.address);
          out[it->second].subnets.push_back(Cidr(a.address, a.prefix));
        }
    return out;
  }

  std::vector<Cidr> routes(const std::string& wg_iface) override {
    std::vector<Cidr> out;
    auto links = rt_.list_links();
    auto table = rt_.list_table(netlink::rtnl::kMainTable);
    if (!links || !table) return out;
    for (const auto& r : *table) {
      const auto via = std::find_if(links->begin(), links->end(),
                                    [&](const auto& l) { return l.index == r.oif; });
      if (via != links->end() && (via->kind == "wireguard" || via->name == wg_iface)) continue;
      out.push_back(r.dst);
    }
    return out;
  }

 private:
  // An address that may be a source: not tentative, not failed DAD, not deprecated.
  static bool usable(const netlink::rtnl::AddressInfo& a) {
    constexpr std::uint32_t kUnusable = IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED;
    return (a.flags & kUnusable) == 0 && a.preferred_lft != 0;
  }

  std::unique_ptr<netlink::Transport> sock_;
  netlink::RouteClient rt_;
  std::unique_ptr<netlink::Transport> events_;  // null: no subscription (cycle only)
  int events_fd_ = -1;
  std::uint64_t dropped_ = 0;
};

}  // namespace

Result<std::unique_ptr<LinkControl>> make_system_link_control() {
  auto s = netlink_socket::MnlSocket::open(NETLINK_ROUTE);
  if (!s) return s.error();
  // Without an event socket the agent still works, only slower to notice changes.
  std::unique_ptr<netlink::Transport> events;
  int events_fd = -1;
  if (auto e = netlink_socket::MnlSocket::open_route_events(); e && (*e)->set_nonblocking(true)) {
    events_fd = (*e)->fd();
    events = std::move(*e);
  }
  return make_rtnl_link_control(std::move(*s), std::move(events), events_fd);
}

std::unique_ptr<LinkControl> make_rtnl_link_control(std::unique_ptr<netlink::Transport> route,
                                                    std::unique_ptr<netlink::Transport> events,
                                                    int events_fd) {
  return std::make_unique<RtnlLinkControl>(std::move(route), std::move(events), events_fd);
}

}  // namespace wl::agent
