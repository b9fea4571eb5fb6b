// The control socket: /run/wirelink/<iface>.sock (0600), one request line per connection
// ("show" or "show json"), one text reply, then close. Root-only by file mode.
//
// Contract: the server side is non-blocking for accept and uses a 1 s I/O timeout per client,
// so a stuck client cannot stall the loop for long. The client blocks up to 5 s.
#pragma once

#include <functional>
#include <string>

#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl::agent {

// /run/wirelink/<iface>.sock, or $RUNTIME_DIRECTORY/<iface>.sock (as systemd sets it).
std::string control_socket_path(const std::string& iface);

class ControlServer {
 public:
  static Result<ControlServer> listen(const std::string& path);
  ControlServer(ControlServer&& o) noexcept : fd_(std::move(o.fd_)), path_(std::move(o.path_)) {
    o.path_.clear();
  }
  ControlServer& operator=(ControlServer&&) = delete;
  ~ControlServer();
  int fd() const { return fd_.get(); }
  // Accepts one pending client and answers it with handler(request).
  void serve_one(const std::function<std::string(const std::string& request)>& handler);

 private:
  ControlServer() = default;
  UniqueFd fd_;
  std::string path_;
};

Result<std::string> control_request(const std::string& path, const std::string& request);

}  // namespace wl::agent
