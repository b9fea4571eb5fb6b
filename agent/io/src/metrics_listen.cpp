#include "wirelink/agent/metrics_listen.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "wirelink/base/ip.hpp"

namespace wl::agent {

namespace {

// A request ends at the blank line after its headers; a scrape has no body.
ControlServer::Framing http_framing() {
  return {"\r\n\r\n", ControlServer::kMaxFraming};
}

std::string reply(const char* status, const char* type, const std::string& body) {
  return std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

}  // namespace

bool is_metrics_unix_path(const std::string& listen) {
  return !listen.empty() && listen.front() == '/';
}

Result<ControlServer> listen_metrics(const std::string& listen) {
  if (is_metrics_unix_path(listen)) return ControlServer::listen(listen, http_framing());
  auto ep = Endpoint::parse(listen);
  if (!ep) return ep.error();
  sockaddr_storage ss{};
  const socklen_t len = ep->to_sockaddr(ss);
  UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return os_error("socket(metrics)");
  const int one = 1;
  // A restarted agent rebinds at once although the last run's connections are in TIME_WAIT.
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    const int e = errno;
    return make_error(std::errc(e), "bind " + listen);
  }
  if (::listen(fd.get(), 8) != 0) {
    const int e = errno;
    return make_error(std::errc(e), "listen " + listen);
  }
  return ControlServer::adopt(std::move(fd), "", http_framing());
}

std::string answer_http(const std::string& request_line, const std::function<std::string()>& body) {
  std::string line = request_line;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.compare(sp2 + 1, 5, "HTTP/") != 0)
    return reply("400 Bad Request", "text/plain", "bad request\n");
  const std::string method = line.substr(0, sp1);
  const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (method != "GET") return reply("405 Method Not Allowed", "text/plain", "GET only\n");
  // Prometheus may add a query string; the endpoint has no parameters.
  if (target.substr(0, target.find('?')) != "/metrics")
    return reply("404 Not Found", "text/plain", "try /metrics\n");
  return reply("200 OK", "text/plain; version=0.0.4; charset=utf-8", body());
}

}  // namespace wl::agent
