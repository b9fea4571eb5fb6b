#include "wirelink/agent/control_socket.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
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

Result<ControlServer> ControlServer::listen(const std::string& path) {
  auto sa = unix_addr(path);
  if (!sa) return sa.error();
  if (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      const int e = errno;
      return make_error(std::errc(e), "mkdir " + dir);
    }
  }
  ControlServer s;
  s.fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.fd_) return os_error("socket(AF_UNIX)");
  ::unlink(path.c_str());  // a stale socket from a crashed run
  mode_t old = ::umask(077);
  int rc = ::bind(s.fd_.get(), reinterpret_cast<const sockaddr*>(&*sa), sizeof(*sa));
  const int bind_errno = errno;
  ::umask(old);
  if (rc != 0) return make_error(std::errc(bind_errno), "bind " + path);
  ::chmod(path.c_str(), 0600);
  if (::listen(s.fd_.get(), 8) != 0) {
    const int e = errno;
    return make_error(std::errc(e), "listen " + path);
  }
  s.path_ = path;
  return s;
}

ControlServer::~ControlServer() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

void ControlServer::serve_one(const std::function<std::string(const std::string&)>& handler) {
  int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
  if (c < 0) return;
  UniqueFd client(c);
  set_timeouts(c, 1);
  std::string req;
  char buf[128];
  while (req.find('\n') == std::string::npos && req.size() < 256) {
    ssize_t n = ::recv(c, buf, sizeof(buf), 0);
    if (n <= 0) break;
    req.append(buf, static_cast<std::size_t>(n));
  }
  if (auto nl = req.find('\n'); nl != std::string::npos) req.resize(nl);
  std::string reply = handler(req);
  std::size_t off = 0;
  while (off < reply.size()) {
    ssize_t n = ::send(c, reply.data() + off, reply.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
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
