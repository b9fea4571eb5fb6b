#include "listener.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>

namespace wl::coordinator::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto kPause = std::chrono::milliseconds(250);
constexpr auto kLogEvery = std::chrono::seconds(60);

// Errors that say the process (or system) is out of a resource: retrying at once would fail
// again at once.
bool resource_exhausted(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category() &&
      ec.category() != boost::system::generic_category())
    return false;
  const int v = ec.value();
  return v == EMFILE || v == ENFILE || v == ENOBUFS || v == ENOMEM;
}

bool due(std::chrono::steady_clock::time_point& last, std::chrono::steady_clock::time_point now) {
  if (last != std::chrono::steady_clock::time_point{} && now - last < kLogEvery) return false;
  last = now;
  return true;
}

// Held by a connection; frees its place in the listener when the last copy goes.
struct Slot {
  std::weak_ptr<Listener> owner;
  std::function<void()> release;
  ~Slot() {
    if (!owner.expired()) release();
  }
};

}  // namespace

Listener::Listener(asio::io_context& ioc, std::size_t max_connections, OnAccept on_accept)
    : ioc_(ioc),
      max_(max_connections == 0 ? 1 : max_connections),
      on_accept_(std::move(on_accept)),
      acceptor_(ioc),
      backoff_(ioc) {}

Result<tcp::endpoint> Listener::listen(const tcp::endpoint& at) {
  boost::system::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Error{ec,
                 "cannot listen on " + at.address().to_string() + ":" + std::to_string(at.port())};
  accept();
  return acceptor_.local_endpoint();
}

void Listener::stop() {
  stopped_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  backoff_.cancel();
}

void Listener::accept() {
  if (stopped_ || accepting_) return;
  if (open_ >= max_) {
    if (due(last_cap_log_, std::chrono::steady_clock::now()))
      spdlog::warn(
          "coordinator: {} connections open (--max-connections); new clients wait in the "
          "backlog until one closes",
          open_);
    return;  // release() resumes
  }
  accepting_ = true;
  acceptor_.async_accept(ioc_,
                         [self = shared_from_this()](boost::system::error_code ec, tcp::socket s) {
                           self->accepting_ = false;
                           if (ec == asio::error::operation_aborted || self->stopped_) return;
                           if (ec) return self->pause(ec);
                           ++self->open_;
                           auto slot = std::make_shared<Slot>();
                           slot->owner = self;
                           slot->release = [w = std::weak_ptr<Listener>(self)] {
                             if (auto l = w.lock()) l->release();
                           };
                           self->on_accept_(std::move(s), std::move(slot));
                           self->accept();
                         });
}

void Listener::release() {
  if (open_ > 0) --open_;
  accept();  // a freed descriptor is the moment to try again, even while paused
}

void Listener::pause(const boost::system::error_code& ec) {
  if (!resource_exhausted(ec)) return accept();  // one failed handshake: the next is independent
  if (due(last_fd_log_, std::chrono::steady_clock::now()))
    spdlog::warn(
        "coordinator: accept failed ({}) with {} connections open; pausing new connections "
        "for {} ms at a time (raise LimitNOFILE or lower --max-connections)",
        ec.message(), open_, kPause.count());
  backoff_.expires_after(kPause);
  backoff_.async_wait([self = shared_from_this()](boost::system::error_code e) {
    if (e || self->stopped_) return;
    self->accept();
  });
}

}  // namespace wl::coordinator::server
