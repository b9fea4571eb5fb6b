#include "wirelink/wg/device/linux_tun.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wl::wg::device {

namespace {
Error sys_error(const std::string& what) {
  return Error{std::error_code(errno, std::generic_category()), what};
}
}  // namespace

Result<std::unique_ptr<LinuxTun>> LinuxTun::open(const std::string& name, int mtu) {
  if (name.empty() || name.size() >= IFNAMSIZ || name.find('/') != std::string::npos)
    return make_error(std::errc::invalid_argument, "invalid interface name '" + name + "'");
  struct {
    UniqueFd fd;
    std::string name;
    bool vnet = false;
  } t;
  t.fd.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
  if (!t.fd) return sys_error("open /dev/net/tun");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
  if (::ioctl(t.fd.get(), TUNSETIFF, &ifr) == 0) {
    // TSO from the kernel needs checksum offload too; without both, fall back to plain packets.
    const unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
    int hdr = 10;
    if (::ioctl(t.fd.get(), TUNSETVNETHDRSZ, &hdr) == 0 &&
        ::ioctl(t.fd.get(), TUNSETOFFLOAD, off) == 0) {
      t.vnet = true;
    } else {
      t.fd.reset(::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK));
      ifr = ifreq{};
      std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
      ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
      if (::ioctl(t.fd.get(), TUNSETIFF, &ifr) != 0) return sys_error("TUNSETIFF " + name);
    }
  } else {
    ifr = ifreq{};
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    if (::ioctl(t.fd.get(), TUNSETIFF, &ifr) != 0) return sys_error("TUNSETIFF " + name);
  }
  t.name = ifr.ifr_name;
  if (mtu > 0) {
    UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq m{};
    std::strncpy(m.ifr_name, t.name.c_str(), IFNAMSIZ - 1);
    m.ifr_mtu = mtu;
    if (!s || ::ioctl(s.get(), SIOCSIFMTU, &m) != 0) return sys_error("set MTU of " + t.name);
  }
  return std::unique_ptr<LinuxTun>(new LinuxTun(std::move(t.fd), t.name, t.vnet));
}

ssize_t LinuxTun::read(std::uint8_t* buf, std::size_t cap) {
  return ::read(fd_.get(), buf, cap);
}

ssize_t LinuxTun::writev(const iovec* iov, int n) {
  return ::writev(fd_.get(), iov, n);
}

int LinuxTun::mtu() const {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  ifreq m{};
  std::strncpy(m.ifr_name, name().c_str(), IFNAMSIZ - 1);
  if (!s || ::ioctl(s.get(), SIOCGIFMTU, &m) != 0) return 0;
  return m.ifr_mtu;
}

bool LinuxTun::exists() const {
  return ::if_nametoindex(name().c_str()) != 0;
}

}  // namespace wl::wg::device
