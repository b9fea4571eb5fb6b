// The control socket: /run/wirelink/<iface>.sock (0600), one request line per connection
// ("show" or "show json"), one text reply, then close. Root-only by file mode.
//
// Contract (server): never blocks. fd() is an epoll descriptor of the server's own (the
// listening socket and every client) that the agent's loop watches; serve() handles whatever
// is ready and returns at once, expire() closes clients past their deadline. Each client has
// its own buffers, kClientDeadline from accept to the end of its reply, and at most
// kMaxClients are open at once (more are told so and closed), so a slow or stuck client costs
// only itself and never delays the loop's watchdog or gossip. The client (control_request)
// blocks up to 5 s.
//
// The same server answers the metrics endpoint (metrics_listen.hpp): there a request ends at
// the blank line after HTTP headers, and the listening socket may be TCP.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl::agent {

// /run/wirelink/<iface>.sock, or $RUNTIME_DIRECTORY/<iface>.sock (as systemd sets it).
std::string control_socket_path(const std::string& iface);

// Where a request ends. The handler always gets its first line (without the newline).
struct RequestFraming {
  std::string end = "\n";
  std::size_t max_request = 256;  // a longer request is cut here; at most kMaxFraming
};

class ControlServer {
 public:
  using Handler = std::function<std::string(const std::string& request)>;
  static constexpr std::chrono::seconds kClientDeadline{5};
  static constexpr std::size_t kMaxClients = 16;
  static constexpr std::size_t kMaxRequest = 256;   // a longer line is cut here, as before
  static constexpr std::size_t kMaxFraming = 4096;  // the largest max_request a Framing may set

  using Framing = RequestFraming;

  static Result<ControlServer> listen(const std::string& path, Framing framing = RequestFraming());
  // Serves on a socket that is already listening (non-blocking); unlinks `unlink_path` (if
  // not empty) when destroyed.
  static Result<ControlServer> adopt(UniqueFd listening, std::string unlink_path,
                                     Framing framing = RequestFraming());
  ControlServer(ControlServer&& o) noexcept;
  ControlServer& operator=(ControlServer&&) = delete;
  ~ControlServer();

  int fd() const { return epoll_.get(); }
  // Accepts, reads, answers (handler(request) once a line is complete) and writes what the
  // sockets allow right now.
  void serve(const Handler& handler, TimePoint now);
  // Closes clients whose deadline has passed; call at least once a second.
  void expire(TimePoint now);
  std::size_t clients() const { return clients_.size(); }

 private:
  struct Client {
    UniqueFd fd;
    TimePoint deadline;
    std::string in;
    std::string out;
    std::size_t sent = 0;
    bool answered = false;
  };

  ControlServer() = default;
  void accept_all(TimePoint now);
  // Returns false when the client is finished (or failed) and must be closed.
  bool progress(Client& c, const Handler& handler);
  void close_client(int fd);

  UniqueFd listen_fd_;
  UniqueFd epoll_;
  std::string path_;
  Framing framing_;
  std::map<int, Client> clients_;
};

Result<std::string> control_request(const std::string& path, const std::string& request);

}  // namespace wl::agent
