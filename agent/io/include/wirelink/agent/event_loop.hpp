// EventLoop: the agent's only owner of readiness. epoll over a signalfd (TERM, INT, HUP, USR1
// blocked and delivered here), one periodic timerfd, a one-shot timerfd for an earlier tick
// (wake_in), and any number of readable fds.
//
// Contract: single-threaded. Callbacks run on the loop thread and must not block for long;
// run() returns when stop() is called. Construction blocks the handled signals for the whole
// process (call it before starting threads).
#pragma once

#include <chrono>
#include <functional>
#include <map>

#include "wirelink/base/result.hpp"
#include "wirelink/base/unique_fd.hpp"

namespace wl::agent {

class EventLoop {
 public:
  using FdHandler = std::function<void()>;
  using SignalHandler = std::function<void(int signo)>;
  using TickHandler = std::function<void()>;

  static Result<EventLoop> create(std::chrono::milliseconds tick, SignalHandler on_signal,
                                  TickHandler on_tick);
  EventLoop(EventLoop&&) = default;
  EventLoop& operator=(EventLoop&&) = default;
  ~EventLoop();

  Result<void> watch(int fd, FdHandler on_readable);
  void unwatch(int fd);
  // One tick after `delay` (at least 1 ns) besides the periodic ones; a later call replaces an
  // earlier pending one.
  void wake_in(std::chrono::nanoseconds delay);
  // Runs until stop(); returns the exit code given to stop().
  int run();
  void stop(int exit_code) {
    running_ = false;
    exit_code_ = exit_code;
  }
  bool running() const { return running_; }

 private:
  EventLoop() = default;
  UniqueFd epoll_, signal_, timer_, wake_;
  SignalHandler on_signal_;
  TickHandler on_tick_;
  std::map<int, FdHandler> handlers_;
  bool running_ = false;
  int exit_code_ = 0;
  bool owns_mask_ = false;
};

}  // namespace wl::agent
