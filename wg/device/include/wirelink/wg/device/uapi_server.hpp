// UapiServer: serves the UAPI socket's clients (`wg`, the agent) all at once from one thread,
// the one that polls the socket (Device::run), so a slow or stuck client costs only itself.
//
// Every connection is non-blocking and has its own input buffer (in its ServerSession) and
// output buffer. A connection's requests are answered one at a time: the next one is read
// only once the previous reply is fully written, so a client that sends many requests and
// never reads holds at most one reply in memory. Requests are carried out on the serving
// thread by the Backend, which takes the device's lock: a set is still applied as a whole
// before the next request of any client is looked at.
//
// Limits (Limits below): at most `max_connections` at once (accepting one more first closes
// the connection that has been quiet longest, so an fd flood cannot exhaust the process and a
// new `wg show` is always served); a connection that makes no progress (no byte read or
// written) for `idle_timeout`, or spends `request_timeout` on one request (from its first byte
// to the last byte of its reply), is closed; a request longer than ServerSession::kMaxRequest
// is refused by the session. Buffered requests share a budget of `max_buffered` bytes: while
// it is spent, only connections whose buffered request is under kSmallRequest are read (a
// `wg show` always is), the others wait, so 64 clients each sending just under the request cap
// cannot make the process hold 64 times it. When accept() fails for lack of descriptors, accepting
// pauses for `accept_backoff` (logged once per episode) while the open connections keep being
// served.
//
// Contract: not thread-safe (one serving thread). Time is passed in. Closing the server, or
// destroying it, closes every connection at once: shutdown never waits for a client. Logs the
// connections it drops at debug level.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/unique_fd.hpp"
#include "wirelink/uapi/server_session.hpp"

namespace wl::wg::device {

class UapiServer {
 public:
  struct Limits {
    std::size_t max_connections = 64;
    Duration idle_timeout = std::chrono::seconds(10);
    Duration request_timeout = std::chrono::seconds(30);
    Duration accept_backoff = std::chrono::seconds(1);
    std::size_t max_buffered = std::size_t{64} << 20;
  };
  // A connection with less than this buffered may read whatever the budget.
  static constexpr std::size_t kSmallRequest = std::size_t{1} << 20;

  explicit UapiServer(uapi::Backend& backend) : UapiServer(backend, Limits{}) {}
  UapiServer(uapi::Backend& backend, Limits limits);
  ~UapiServer();
  UapiServer(const UapiServer&) = delete;
  UapiServer& operator=(const UapiServer&) = delete;

  // Accepts every connection waiting on the non-blocking listening socket.
  void accept_from(int listen_fd, TimePoint now);
  // Serves an already connected socket (made non-blocking here).
  void adopt(UniqueFd fd, TimePoint now);
  // False while accepting is paused after EMFILE/ENFILE: leave the listening socket out of
  // poll() then, or it would spin.
  bool accepting(TimePoint now) const { return now >= accept_paused_until_; }

  // Appends one pollfd per connection, in connection order, asking for what each waits on.
  void add_pollfds(std::vector<pollfd>& fds) const;
  // Serves the connections whose pollfds (as appended by add_pollfds, same order) are ready,
  // then closes those past a deadline or finished.
  void handle(std::span<const pollfd> fds, TimePoint now);

  std::size_t connections() const { return conns_.size(); }

 private:
  struct Conn;
  void serve(Conn& c, short revents, TimePoint now);
  bool may_read(const Conn& c) const;
  bool flush(Conn& c, TimePoint now);
  void sweep(TimePoint now);

  uapi::Backend& backend_;
  Limits limits_;
  std::vector<std::unique_ptr<Conn>> conns_;
  TimePoint accept_paused_until_{};
  bool emfile_logged_ = false;
  std::size_t buffered_ = 0;  // bytes buffered by all sessions (counted up between sweeps)
};

}  // namespace wl::wg::device
