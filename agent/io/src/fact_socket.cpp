#include "wirelink/agent/fact_socket.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

namespace wl::agent {

Result<FactSocket> FactSocket::bind(const IpAddress& link_local, unsigned ifindex,
                                    std::uint16_t port) {
  FactSocket s;
  s.fd_.reset(::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.fd_) return os_error("socket(AF_INET6)");
  int on = 1;
  ::setsockopt(s.fd_.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
  sockaddr_storage ss{};
  socklen_t len = Endpoint(link_local, port, ifindex).to_sockaddr(ss);
  if (::bind(s.fd_.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    const int e = errno;  // before building the detail, which allocates
    return make_error(std::errc(e),
                      "bind [" + link_local.to_string() + "]:" + std::to_string(port));
  }
  s.ifindex_ = ifindex;
  s.port_ = port;
  return s;
}

std::size_t FactSocket::receive(
    const std::function<void(const IpAddress&, std::span<const std::uint8_t>)>& on) {
  std::size_t n = 0;
  std::uint8_t buf[2048];
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    ssize_t r =
        ::recvfrom(fd_.get(), buf, sizeof(buf), MSG_TRUNC, reinterpret_cast<sockaddr*>(&ss), &len);
    if (r < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN or a transient error: nothing more now
    }
    auto src = Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&ss), len);
    ++n;
    if (!src || static_cast<std::size_t>(r) > sizeof(buf)) continue;  // oversized: dropped
    on(src->address(), std::span<const std::uint8_t>(buf, static_cast<std::size_t>(r)));
  }
  return n;
}

Result<void> FactSocket::send_to(const IpAddress& dst, std::uint16_t port,
                                 std::span<const std::uint8_t> bytes) {
  sockaddr_storage ss{};
  socklen_t len = Endpoint(dst, port, ifindex_).to_sockaddr(ss);
  if (::sendto(fd_.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) >=
      0)
    return {};
  int e = errno;
  if (e == EPERM || e == ENOKEY || e == ENETUNREACH || e == EDESTADDRREQ || e == EAGAIN) {
    ++ignored_;
    return {};
  }
  return make_error(std::errc(e), "send to " + dst.to_string());
}

}  // namespace wl::agent
