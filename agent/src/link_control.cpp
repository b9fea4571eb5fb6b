// The system LinkControl over rtnetlink (the netlink module's RouteClient on a libmnl socket).
#include "wirelink/agent/link_control.hpp"

#include <cerrno>
#include <map>

#include "wirelink/netlink/rtnl_client.hpp"
#include "wirelink/netlink_socket/mnl_socket.hpp"

#include <linux/netlink.h>

namespace wl::agent {

namespace {

bool is_enodev(const Error& e) {
  return e.code == std::errc::no_such_device;
}

class RtnlLinkControl final : public LinkControl {
 public:
  explicit RtnlLinkControl(std::unique_ptr<netlink_socket::MnlSocket> s)
      : sock_(std::move(s)), rt_(*sock_) {}

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
        if (auto it = by_index.find(a.ifindex); it != by_index.end()) {
          out[it->second].addresses.push_back(a.address);
          out[it->second].subnets.push_back(Cidr(a.address, a.prefix));
        }
    return out;
  }

 private:
  std::unique_ptr<netlink_socket::MnlSocket> sock_;
  netlink::RouteClient rt_;
};

}  // namespace

Result<std::unique_ptr<LinkControl>> make_system_link_control() {
  auto s = netlink_socket::MnlSocket::open(NETLINK_ROUTE);
  if (!s) return s.error();
  return std::unique_ptr<LinkControl>(std::make_unique<RtnlLinkControl>(std::move(*s)));
}

}  // namespace wl::agent
