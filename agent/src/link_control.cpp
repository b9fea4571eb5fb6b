// The system LinkControl: ioctl-based (SIOCGIFFLAGS, SIOCSIFADDR/SIOCDIFADDR with in6_ifreq)
// and getifaddrs. Only link-local IPv6 addresses are added, which the ioctl interface covers
// fully.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "wirelink/agent/link_control.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl::agent {

namespace {

// <linux/ipv6.h> conflicts with glibc's netinet headers; this is its stable layout.
struct In6Ifreq {
  in6_addr addr;
  std::uint32_t prefixlen;
  int ifindex;
};

class SystemLinkControl final : public LinkControl {
 public:
  Result<LinkInfo> link(const std::string& iface) override {
    unsigned idx = if_nametoindex(iface.c_str());
    if (idx == 0) return make_error(std::errc::no_such_device, "interface " + iface + " not found");
    UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return make_error(std::errc(errno), "socket");
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, iface.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd.get(), SIOCGIFFLAGS, &ifr) != 0) {
      if (errno == ENODEV) return make_error(std::errc::no_such_device, "interface " + iface + " gone");
      return make_error(std::errc(errno), "SIOCGIFFLAGS " + iface);
    }
    return LinkInfo{idx, (ifr.ifr_flags & IFF_UP) != 0};
  }

  Result<bool> add_address(unsigned ifindex, const IpAddress& addr, int prefix) override {
    auto r = ioctl_addr(SIOCSIFADDR, ifindex, addr, prefix);
    if (!r) {
      if (r.error().code == std::errc::file_exists) return false;
      return r.error();
    }
    return true;
  }

  Result<void> remove_address(unsigned ifindex, const IpAddress& addr, int prefix) override {
    return ioctl_addr(SIOCDIFADDR, ifindex, addr, prefix);
  }

  std::vector<IpAddress> local_addresses(const std::string& except) override {
    std::vector<IpAddress> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
      if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || except == i->ifa_name) continue;
      socklen_t len = i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
      if (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6) continue;
      auto ep = Endpoint::from_sockaddr(i->ifa_addr, len);
      if (ep && ep->address().is_global_unicast()) out.push_back(ep->address());
    }
    ::freeifaddrs(list);
    return out;
  }

 private:
  Result<void> ioctl_addr(unsigned long req, unsigned ifindex, const IpAddress& addr, int prefix) {
    if (!addr.is_v6()) return make_error(std::errc::invalid_argument, "only IPv6 addresses");
    UniqueFd fd(::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return make_error(std::errc(errno), "socket");
    In6Ifreq r{};
    std::memcpy(&r.addr, addr.data(), 16);
    r.prefixlen = static_cast<std::uint32_t>(prefix);
    r.ifindex = static_cast<int>(ifindex);
    if (::ioctl(fd.get(), req, &r) != 0)
      return make_error(std::errc(errno), std::string(req == SIOCSIFADDR ? "add" : "remove") +
                                              " address " + addr.to_string() + "/" + std::to_string(prefix) + ": " + std::strerror(errno));
    return {};
  }
};

}  // namespace

std::unique_ptr<LinkControl> make_system_link_control() { return std::make_unique<SystemLinkControl>(); }

}  // namespace wl::agent
