#include "wirelink/wg/device/uapi_server.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace wl::wg::device {

namespace {
// Bytes read per recv(), and reads per connection per round, so one client streaming a long
// request cannot keep the thread from the others.
constexpr std::size_t kChunk = std::size_t{64} * 1024;
constexpr int kReadsPerRound = 16;
// Connections accepted per round; the rest wait in the backlog for the next one.
constexpr int kAcceptsPerRound = 64;
}  // namespace

struct UapiServer::Conn {
  Conn(uapi::Backend& backend, UniqueFd f, TimePoint now)
      : fd(std::move(f)), session(backend), last_progress(now) {}
  ~Conn() { sodium_memzero(out.data(), out.size()); }  // a get reply holds the private key
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  UniqueFd fd;
  uapi::ServerSession session;
  std::string out;  // the reply being written
  std::size_t out_off = 0;
  TimePoint last_progress;              // the last byte read or written
  std::optional<TimePoint> busy_since;  // the first byte of the request being served
  bool done = false;                    // to be closed: EOF, an error, or the session ended
};

UapiServer::UapiServer(uapi::Backend& backend, Limits limits)
    : backend_(backend), limits_(limits) {}

UapiServer::~UapiServer() = default;

void UapiServer::accept_from(int listen_fd, TimePoint now) {
  for (int i = 0; i < kAcceptsPerRound; ++i) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // The listening socket stays readable: without a pause poll() would spin on it.
        accept_paused_until_ = now + limits_.accept_backoff;
        if (!emfile_logged_)
          spdlog::warn("UAPI: cannot accept a client ({}); pausing new connections",
                       std::strerror(errno));
        emfile_logged_ = true;
      }
      return;
    }
    emfile_logged_ = false;
    adopt(UniqueFd(fd), now);
  }
}

void UapiServer::adopt(UniqueFd fd, TimePoint now) {
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) return;
  if (conns_.size() >= limits_.max_connections && !conns_.empty()) {
    const auto quietest = std::min_element(
        conns_.begin(), conns_.end(),
        [](const auto& a, const auto& b) { return a->last_progress < b->last_progress; });
    spdlog::debug("UAPI: {} connections: closing the one quiet longest", conns_.size());
    conns_.erase(quietest);
  }
  conns_.push_back(std::make_unique<Conn>(backend_, std::move(fd), now));
}

bool UapiServer::may_read(const Conn& c) const {
  return c.session.buffered() < kSmallRequest || buffered_ < limits_.max_buffered;
}

void UapiServer::add_pollfds(std::vector<pollfd>& fds) const {
  for (const auto& c : conns_) {
    short events = 0;
    if (!c->out.empty()) {
      events = POLLOUT;
    } else if (may_read(*c)) {
      events = POLLIN;
    }
    fds.push_back({c->fd.get(), events, 0});
  }
}

void UapiServer::handle(std::span<const pollfd> fds, TimePoint now) {
  const std::size_t n = std::min(fds.size(), conns_.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (fds[i].revents != 0 && fds[i].fd == conns_[i]->fd.get())
      serve(*conns_[i], fds[i].revents, now);
  }
  sweep(now);
}

// Writes what it can of the pending reply; true once nothing is pending.
bool UapiServer::flush(Conn& c, TimePoint now) {
  while (c.out_off < c.out.size()) {
    const ssize_t w = ::send(c.fd.get(), c.out.data() + c.out_off, c.out.size() - c.out_off,
                             MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      c.out_off += static_cast<std::size_t>(w);
      c.last_progress = now;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    c.done = true;  // the client went away
    return false;
  }
  if (!c.out.empty()) {
    sodium_memzero(c.out.data(), c.out.size());
    c.out.clear();
    c.out_off = 0;
    // That request is answered; a pipelined one already buffered starts its own clock.
    c.busy_since = c.session.idle() ? std::nullopt : std::optional<TimePoint>(now);
  }
  return true;
}

void UapiServer::serve(Conn& c, short revents, TimePoint now) {
  std::array<char, kChunk> buf;
  for (int reads = 0;;) {
    if (!flush(c, now)) return;
    if (c.session.step(c.out)) continue;
    if (c.session.closed()) {
      c.done = true;
      return;
    }
    if (!may_read(c)) {
      // Waiting for the budget; a client that hung up meanwhile will never read a reply.
      if ((revents & (POLLHUP | POLLERR)) != 0) c.done = true;
      return;
    }
    if (reads == kReadsPerRound) return;
    const ssize_t n = ::recv(c.fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      ++reads;
      c.session.receive(std::string_view(buf.data(), static_cast<std::size_t>(n)));
      buffered_ += static_cast<std::size_t>(n);
      sodium_memzero(buf.data(), static_cast<std::size_t>(n));  // a set may carry keys
      c.last_progress = now;
      if (!c.busy_since) c.busy_since = now;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    c.done = true;  // EOF (every complete request was answered above) or an error
    return;
  }
}

void UapiServer::sweep(TimePoint now) {
  buffered_ = 0;
  std::erase_if(conns_, [&](const std::unique_ptr<Conn>& c) {
    if (c->done) return true;
    if (now - c->last_progress > limits_.idle_timeout) {
      spdlog::debug(
          "UAPI: closing a connection idle for {} s",
          std::chrono::duration_cast<std::chrono::seconds>(now - c->last_progress).count());
      return true;
    }
    if (c->busy_since && now - *c->busy_since > limits_.request_timeout) {
      spdlog::debug(
          "UAPI: closing a connection whose request took over {} s",
          std::chrono::duration_cast<std::chrono::seconds>(limits_.request_timeout).count());
      return true;
    }
    buffered_ += c->session.buffered();
    return false;
  });
}

}  // namespace wl::wg::device
