// The metrics endpoint (MetricsListen): Prometheus scrapes GET /metrics over HTTP/1.x, on a TCP
// address ("127.0.0.1:9586", "[::1]:9586") or a Unix socket path ("/run/wirelink/wg0.metrics",
// mode 0600 like the control socket).
//
// Contract: the server is a ControlServer (control_socket.hpp) with HTTP framing, so it has the
// same guarantees: served from the agent's event loop, never blocking, a deadline per client
// and at most kMaxClients at once. One request per connection (the reply says
// "Connection: close"). answer_http is pure: GET /metrics gets the body, other paths 404,
// other methods 405.
#pragma once

#include <functional>
#include <string>

#include "wirelink/agent/control_socket.hpp"
#include "wirelink/base/result.hpp"

namespace wl::agent {

// "host:port" with a literal address, or an absolute path. Checked by the configuration too.
bool is_metrics_unix_path(const std::string& listen);
Result<ControlServer> listen_metrics(const std::string& listen);

// `request_line` is the first line of the request ("GET /metrics HTTP/1.1", a trailing CR
// allowed); `body` is called only for a scrape.
std::string answer_http(const std::string& request_line, const std::function<std::string()>& body);

}  // namespace wl::agent
