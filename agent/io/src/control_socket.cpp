#include "wirelink/agent/control_socket.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace wl::agent {

namespace {

Result<sockaddr_un> unix_addr(const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sa.sun_path)) return make_error(std::errc::filename_too_long, path);
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  return sa;
}

bool watch(int epoll_fd, int op, int fd, std::uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  return ::epoll_ctl(epoll_fd, op, fd, &ev) == 0;
}

void set_timeouts(int fd, int secs) {
  timeval tv{secs, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

}  // namespace

std::string control_socket_path(const std::string& iface) {
  // systemd sets RUNTIME_DIRECTORY for RuntimeDirectory=wirelink; tests point it elsewhere.
  const char* dir = std::getenv("RUNTIME_DIRECTORY");
  std::string d = dir && *dir ? dir : "/run/wirelink";
  if (auto colon = d.find(':'); colon != std::string::npos) d.resize(colon);  // several dirs
  return d + "/" + iface + ".sock";
}

Result<ControlServer> ControlServer::listen(const std::string& path, Framing framing) {
  auto sa = unix_addr(path);
  if (!sa) return sa.error();
  if (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      const int e = errno;
      return make_error(std::errc(e), "mkdir " + dir);
    }
  }
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return os_error("socket(AF_UNIX)");
  ::unlink(path.c_str());  // a stale socket from a crashed run
  mode_t old = ::umask(077);
  int rc = ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&*sa), sizeof(*sa));
  const int bind_errno = errno;
  ::umask(old);
  if (rc != 0) return make_error(std::errc(bind_errno), "bind " + path);
  ::chmod(path.c_str(), 0600);
  if (::listen(fd.get(), 8) != 0) {
    const int e = errno;
    return make_error(std::errc(e), "listen " + path);
  }
  return adopt(std::move(fd), path, std::move(framing));
}

Result<ControlServer> ControlServer::adopt(UniqueFd listening, std::string unlink_path,
                                           Framing framing) {
  ControlServer s;
  s.path_ = std::move(unlink_path);  // set first: an error below still removes the socket
  s.listen_fd_ = std::move(listening);
  s.epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!s.epoll_) return os_error("epoll_create1");
  if (!watch(s.epoll_.get(), EPOLL_CTL_ADD, s.listen_fd_.get(), EPOLLIN))
    return os_error("epoll_ctl");
  framing.max_request = std::min(framing.max_request, kMaxFraming);
  s.framing_ = std::move(framing);
  return s;
}

ControlServer::ControlServer(ControlServer&& o) noexcept
    : listen_fd_(std::move(o.listen_fd_)),
      epoll_(std::move(o.epoll_)),
      path_(std::move(o.path_)),
      framing_(std::move(o.framing_)),
      clients_(std::move(o.clients_)) {
  o.path_.clear();
  o.clients_.clear();
}

ControlServer::~ControlServer() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

void ControlServer::serve(const Handler& handler, TimePoint now) {
  epoll_event evs[32];
  const int n = ::epoll_wait(epoll_.get(), evs, 32, 0);
  for (int i = 0; i < n; ++i) {
    const int fd = evs[i].data.fd;
    if (fd == listen_fd_.get()) {
      accept_all(now);
      continue;
    }
    auto it = clients_.find(fd);
    if (it != clients_.end() && !progress(it->second, handler)) close_client(fd);
  }
}

void ControlServer::expire(TimePoint now) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    const int fd = it->first;
    ++it;  // close_client erases the current entry
    if (clients_.at(fd).deadline <= now) close_client(fd);
  }
}

void ControlServer::accept_all(TimePoint now) {
  // At most a listen backlog's worth per call, so a connect flood cannot hold the loop either.
  for (int i = 0; i < 16; ++i) {
    UniqueFd c(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!c) return;
    if (clients_.size() >= kMaxClients) {
      static constexpr char kBusy[] = "error: too many control connections, try again\n";
      (void)!::send(c.get(), kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      continue;  // closed here
    }
    const int fd = c.get();
    if (!watch(epoll_.get(), EPOLL_CTL_ADD, fd, EPOLLIN)) continue;
    clients_[fd] = Client{std::move(c), now + kClientDeadline, {}, {}, 0, false};
  }
}

bool ControlServer::progress(Client& c, const Handler& handler) {
  if (!c.answered) {
    char buf[kMaxFraming];
    const std::size_t max = framing_.max_request;
    for (;;) {
      const ssize_t n = ::recv(c.fd.get(), buf, max - c.in.size(), 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // more later
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      c.in.append(buf, static_cast<std::size_t>(n));
      // The framing's end, the request size limit or the end of the client's writing
      // completes it.
      if (n == 0 || c.in.find(framing_.end) != std::string::npos || c.in.size() >= max) break;
    }
    if (auto nl = c.in.find('\n'); nl != std::string::npos) c.in.resize(nl);
    c.out = handler(c.in);
    c.answered = true;
    if (!watch(epoll_.get(), EPOLL_CTL_MOD, c.fd.get(), EPOLLOUT)) return false;
  }
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(c.fd.get(), c.out.data() + c.sent, c.out.size() - c.sent,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;  // when writable
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    c.sent += static_cast<std::size_t>(n);
  }
  return false;  // all sent: closing ends the reply
}

void ControlServer::close_client(int fd) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  clients_.erase(fd);  // closes the descriptor
}

Result<std::string> control_request(const std::string& path, const std::string& request) {
  auto sa = unix_addr(path);
  if (!sa) return sa.error();
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return os_error("socket(AF_UNIX)");
  set_timeouts(fd.get(), 5);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*sa), sizeof(*sa)) != 0) {
    const int e = errno;
    return make_error(std::errc(e), "cannot reach the agent at " + path);
  }
  std::string line = request + "\n";
  if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(line.size())) {
    const int e = errno;
    return make_error(std::errc(e), "send to " + path);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd.get(), buf, sizeof(buf), 0);
    if (n < 0) {
      const int e = errno;
      return make_error(std::errc(e), "read from " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace wl::agent
