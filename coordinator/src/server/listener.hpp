// Listener: the coordinator's accept loop, with a cap on open connections and a back-off when
// the process runs out of file descriptors.
//
// Contract: single-threaded (the io thread). Each accepted socket is handed to `on_accept`
// with a slot; the connection keeps the slot (a shared_ptr) while it is open, and dropping
// the last copy frees the place. With `max_connections` slots taken the listener stops
// accepting (the kernel backlog holds new clients) until one is freed. When accept fails
// for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) it pauses 250 ms rather
// than retrying at once, which would spin at 100 % CPU; each condition is logged at most once
// a minute. Slots may outlive the listener (the io_context drops pending handlers last): then
// they do nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include <chrono>
#include "wirelink/base/result.hpp"

namespace wl::coordinator::server {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  using OnAccept = std::function<void(boost::asio::ip::tcp::socket, std::shared_ptr<void> slot)>;
  Listener(boost::asio::io_context& ioc, std::size_t max_connections, OnAccept on_accept);

  // Binds, listens and starts accepting; returns the bound endpoint.
  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& at);
  void stop();
  std::size_t open_connections() const { return open_; }

 private:
  void accept();
  void release();
  void pause(const boost::system::error_code& ec);

  boost::asio::io_context& ioc_;
  std::size_t max_;
  OnAccept on_accept_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::size_t open_ = 0;
  bool accepting_ = false, stopped_ = false;
  std::chrono::steady_clock::time_point last_fd_log_{}, last_cap_log_{};
};

}  // namespace wl::coordinator::server
