#include "wirelink/wg/device/udp.hpp"

#include "wirelink/wg/device/udp_cmsg.hpp"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace wl::wg::device {

namespace {
constexpr int kBufBytes = 8 << 20;

UniqueFd make_socket(int family, std::uint16_t port, std::uint32_t fwmark, int& err) {
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) {
    err = errno;
    return fd;
  }
  const int one = 1;
  if (family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  // Big buffers absorb bursts between batches; FORCE works as root, the plain one otherwise.
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kBufBytes, sizeof kBufBytes) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &kBufBytes, sizeof kBufBytes);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &kBufBytes, sizeof kBufBytes) != 0)
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &kBufBytes, sizeof kBufBytes);
  ::setsockopt(fd.get(), IPPROTO_UDP, UDP_GRO, &one, sizeof one);
  // Where each datagram arrived (address + interface), so replies can leave from there.
  if (family == AF_INET)
    ::setsockopt(fd.get(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  else
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
  if (fwmark != 0 && ::setsockopt(fd.get(), SOL_SOCKET, SO_MARK, &fwmark, sizeof fwmark) != 0) {
    err = errno;
    return UniqueFd();
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    len = sizeof(sockaddr_in6);
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    err = errno;
    return UniqueFd();
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}
}  // namespace

Result<std::shared_ptr<UdpSockets>> UdpSockets::bind(std::uint16_t port, std::uint32_t fwmark) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto s = std::make_shared<UdpSockets>();
    int err4 = 0;
    int err6 = 0;
    s->fd4_ = make_socket(AF_INET, port, fwmark, err4);
    const std::uint16_t p = s->fd4_ ? bound_port(s->fd4_.get()) : port;
    s->fd6_ = make_socket(AF_INET6, p, fwmark, err6);
    if (!s->fd4_ && !s->fd6_) {
      const int err = err4 != 0 ? err4 : err6;
      return Error{std::error_code(err, std::generic_category()),
                   std::string("bind UDP: ") + std::strerror(err)};
    }
    if (!s->fd4_ && err4 == EADDRINUSE)
      return Error{std::error_code(EADDRINUSE, std::generic_category()),
                   "bind UDP4: address in use"};
    // With a random port, IPv6 may collide where IPv4 did not: try another port.
    if (s->fd4_ && !s->fd6_ && err6 == EADDRINUSE) {
      if (port == 0) continue;
      return Error{std::error_code(EADDRINUSE, std::generic_category()),
                   "bind UDP6: address in use"};
    }
    s->port_ = s->fd4_ ? bound_port(s->fd4_.get()) : bound_port(s->fd6_.get());
    return s;
  }
  return Error{std::error_code(EADDRINUSE, std::generic_category()), "no free UDP port"};
}

int UdpSockets::set_fwmark(std::uint32_t mark) {
  for (int fd : {fd4_.get(), fd6_.get()})
    if (fd >= 0 && ::setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) return errno;
  return 0;
}

std::size_t UdpSockets::receive(std::size_t which, std::span<ReceivedDatagram> out) {
  const int fd = which == 0 ? fd4_.get() : fd6_.get();
  const std::size_t n = std::min(out.size(), kRecvBatch);
  if (fd < 0 || n == 0) return 0;
  for (std::size_t i = 0; i < n; ++i) {
    rx_iov_[i] = iovec{out[i].data, out[i].capacity};
    rx_msgs_[i] = mmsghdr{};
    msghdr& h = rx_msgs_[i].msg_hdr;
    h.msg_name = &rx_addr_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &rx_iov_[i];
    h.msg_iovlen = 1;
    h.msg_control = rx_ctrl_[i].b;
    h.msg_controllen = sizeof rx_ctrl_[i].b;
  }
  const int got = ::recvmmsg(fd, rx_msgs_.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
  if (got <= 0) return 0;
  for (std::size_t m = 0; m < static_cast<std::size_t>(got); ++m) {
    ReceivedDatagram& d = out[m];
    const msghdr& h = rx_msgs_[m].msg_hdr;
    auto ep =
        Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&rx_addr_[m]), h.msg_namelen);
    if (!ep) {
      d.len = 0;
      continue;
    }
    const RecvControl rc = parse_recv_control(h);
    d.from = *ep;
    d.local = rc.local;
    d.segment = rc.gro_segment;
    d.len = rx_msgs_[m].msg_len;
  }
  return static_cast<std::size_t>(got);
}

namespace {
// Errors a pinned source causes when it is no longer usable (address removed, interface gone
// or without a route): the send is retried once without it, as the kernel module does.
bool source_error(int e) {
  return e == EINVAL || e == EADDRNOTAVAIL || e == ENETUNREACH || e == ENODEV;
}
}  // namespace

int UdpSockets::send_batch(const Endpoint& to, iovec* iov, std::size_t n, std::size_t seg,
                           const noise::LocalSource* src, bool* src_failed) {
  if (n == 0) return 0;
  sockaddr_storage ss{};
  const socklen_t sl = to.to_sockaddr(ss);
  const bool v6 = ss.ss_family != AF_INET;
  const int fd = v6 ? fd6_.get() : fd4_.get();
  if (fd < 0) return EAFNOSUPPORT;
  if (src != nullptr && src->address.is_v6() != v6) src = nullptr;  // other family: unpinned
  // Max datagrams per GSO send: the total must fit a 64 KiB IP packet.
  const std::size_t per_gso = seg == 0 ? 1 : std::min<std::size_t>(64, 65000 / seg);
  alignas(cmsghdr) char ctrl[kSendControlSize];
  std::size_t i = 0;
  while (i < n) {
    if (gso_ && n - i > 1 && per_gso > 1) {
      std::size_t k = 0;
      while (i + k < n && k < per_gso && iov[i + k].iov_len == seg) ++k;
      if (i + k < n && k < per_gso && iov[i + k].iov_len < seg) ++k;  // a shorter tail ends the run
      if (k > 1) {
        msghdr m{};
        m.msg_name = &ss;
        m.msg_namelen = sl;
        m.msg_iov = iov + i;
        m.msg_iovlen = k;
        build_send_control(m, ctrl, v6, static_cast<std::uint16_t>(seg), src);
        ssize_t r;
        do {
          r = ::sendmsg(fd, &m, 0);
        } while (r < 0 && errno == EINTR);
        if (r >= 0) {
          i += k;
          continue;
        }
        if (src != nullptr && source_error(errno)) {
          src = nullptr;  // retry this run once without the pinned source
          if (src_failed != nullptr) *src_failed = true;
          continue;
        }
        if (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT || errno == EOPNOTSUPP) {
          gso_ = false;  // not supported here (e.g. checksum offload off): plain sends from now
        } else if (errno != EAGAIN && errno != ENOBUFS) {
          return errno;
        } else {
          i += k;  // a full buffer drops, like any lost datagram
          continue;
        }
      }
    }
    // sendmmsg for the rest of the run (or one datagram); the messages share one control
    // buffer (the kernel only reads it).
    msghdr proto{};
    build_send_control(proto, ctrl, v6, 0, src);
    mmsghdr msgs[64];
    std::size_t k = 0;
    for (; k < 64 && i + k < n; ++k) {
      msgs[k] = mmsghdr{};
      msgs[k].msg_hdr.msg_name = &ss;
      msgs[k].msg_hdr.msg_namelen = sl;
      msgs[k].msg_hdr.msg_iov = iov + i + k;
      msgs[k].msg_hdr.msg_iovlen = 1;
      msgs[k].msg_hdr.msg_control = proto.msg_control;
      msgs[k].msg_hdr.msg_controllen = proto.msg_controllen;
      if (gso_ && k > 0) break;  // with GSO on, only send singles here
    }
    int r;
    do {
      r = ::sendmmsg(fd, msgs, static_cast<unsigned>(k), 0);
    } while (r < 0 && errno == EINTR);
    if (r < 0 && src != nullptr && source_error(errno)) {
      src = nullptr;
      if (src_failed != nullptr) *src_failed = true;
      continue;
    }
    if (r < 0 && errno != EAGAIN && errno != ENOBUFS) return errno;
    i += k;
  }
  return 0;
}

}  // namespace wl::wg::device
