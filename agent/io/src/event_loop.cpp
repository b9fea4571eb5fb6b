#include "wirelink/agent/event_loop.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

namespace wl::agent {

namespace {
sigset_t handled_signals() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&s, sig);
  return s;
}
}  // namespace

Result<EventLoop> EventLoop::create(std::chrono::milliseconds tick, SignalHandler on_signal,
                                    TickHandler on_tick) {
  EventLoop l;
  l.on_signal_ = std::move(on_signal);
  l.on_tick_ = std::move(on_tick);
  l.epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!l.epoll_) return os_error("epoll_create1");
  sigset_t s = handled_signals();
  if (::sigprocmask(SIG_BLOCK, &s, nullptr) != 0) return os_error("sigprocmask");
  l.owns_mask_ = true;
  l.signal_.reset(::signalfd(-1, &s, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!l.signal_) return os_error("signalfd");
  l.timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!l.timer_) return os_error("timerfd_create");
  itimerspec its{};
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(tick).count();
  its.it_interval.tv_sec = ns / 1'000'000'000;
  its.it_interval.tv_nsec = ns % 1'000'000'000;
  its.it_value.tv_nsec = 1;  // first tick at once
  if (::timerfd_settime(l.timer_.get(), 0, &its, nullptr) != 0) return os_error("timerfd_settime");
  l.wake_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!l.wake_) return os_error("timerfd_create");
  for (int fd : {l.signal_.get(), l.timer_.get(), l.wake_.get()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(l.epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return os_error("epoll_ctl");
  }
  return l;
}

EventLoop::~EventLoop() {
  if (owns_mask_ && signal_) {
    sigset_t s = handled_signals();
    ::sigprocmask(SIG_UNBLOCK, &s, nullptr);
  }
}

Result<void> EventLoop::watch(int fd, FdHandler on_readable) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return os_error("epoll_ctl add");
  handlers_[fd] = std::move(on_readable);
  return {};
}

void EventLoop::unwatch(int fd) {
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  handlers_.erase(fd);
}

void EventLoop::wake_in(std::chrono::nanoseconds delay) {
  const auto ns = std::max<std::int64_t>(delay.count(), 1);
  itimerspec its{};
  its.it_value.tv_sec = ns / 1'000'000'000;
  its.it_value.tv_nsec = ns % 1'000'000'000;
  ::timerfd_settime(wake_.get(), 0, &its, nullptr);
}

int EventLoop::run() {
  running_ = true;
  epoll_event evs[16];
  while (running_) {
    int n = ::epoll_wait(epoll_.get(), evs, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    for (int i = 0; i < n && running_; ++i) {
      int fd = evs[i].data.fd;
      if (fd == signal_.get()) {
        signalfd_siginfo si;
        while (::read(signal_.get(), &si, sizeof(si)) == static_cast<ssize_t>(sizeof(si)))
          on_signal_(static_cast<int>(si.ssi_signo));
      } else if (fd == timer_.get() || fd == wake_.get()) {
        std::uint64_t expirations = 0;
        if (::read(fd, &expirations, sizeof(expirations)) > 0) on_tick_();
      } else if (auto it = handlers_.find(fd); it != handlers_.end()) {
        auto h = it->second;  // the handler may unwatch itself
        h();
      }
    }
  }
  return exit_code_;
}

}  // namespace wl::agent
