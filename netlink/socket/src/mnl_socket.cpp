#include "wirelink/netlink_socket/mnl_socket.hpp"

#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "wirelink/netlink/rtnl_codec.hpp"

namespace wl::netlink_socket {
namespace {
Error sys_error(const char* what) {
  return Error{std::error_code(errno, std::generic_category()),
               std::string("netlink socket: ") + what};
}
}  // namespace

Result<std::unique_ptr<MnlSocket>> MnlSocket::open(int protocol, std::uint32_t groups) {
  mnl_socket* s = mnl_socket_open2(protocol, SOCK_CLOEXEC);
  if (!s) return sys_error("open");
  std::unique_ptr<MnlSocket> sock(new MnlSocket(s));
  const int one = 1;
  // Extended ACKs carry the kernel's error text; capped ACKs keep errors small.
  const int fd = mnl_socket_get_fd(s);
  setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
             sizeof one);  // older kernels: ENOPROTOOPT, fine
  int rcvbuf = 1 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  if (mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) return sys_error("bind");
  return sock;
}

Result<std::unique_ptr<MnlSocket>> MnlSocket::open_route_events() {
  return open(NETLINK_ROUTE, netlink::rtnl::kEventGroups);
}

MnlSocket::~MnlSocket() {
  mnl_socket_close(sock_);
}

Result<void> MnlSocket::send(std::span<const std::uint8_t> datagram) {
  if (mnl_socket_sendto(sock_, datagram.data(), datagram.size()) < 0) return sys_error("send");
  return {};
}

Result<std::size_t> MnlSocket::recv(std::span<std::uint8_t> buffer) {
  // recvmsg directly so MSG_TRUNC is visible: a datagram bigger than the buffer is an error.
  for (;;) {
    sockaddr_nl addr{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = &addr;
    msg.msg_namelen = sizeof addr;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t n = recvmsg(mnl_socket_get_fd(sock_), &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("receive");
    }
    if (msg.msg_flags & MSG_TRUNC)
      return Error{std::make_error_code(std::errc::message_size),
                   "netlink socket: datagram larger than the buffer"};
    if (addr.nl_pid != 0) continue;  // only the kernel talks to us
    return static_cast<std::size_t>(n);
  }
}

std::uint32_t MnlSocket::port_id() const {
  return mnl_socket_get_portid(sock_);
}

int MnlSocket::fd() const {
  return mnl_socket_get_fd(sock_);
}

Result<void> MnlSocket::set_nonblocking(bool on) {
  const int fd = mnl_socket_get_fd(sock_);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) return sys_error("fcntl");
  fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
  if (fcntl(fd, F_SETFL, fl) < 0) return sys_error("fcntl");
  return {};
}

}  // namespace wl::netlink_socket
