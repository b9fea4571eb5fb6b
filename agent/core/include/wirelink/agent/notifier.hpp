// Notifier: the sd_notify seam (READY, STATUS, STOPPING, WATCHDOG).
//
// Contract: never blocks for long, never fails the caller (a missing NOTIFY_SOCKET means
// "not under systemd" and every call is a no-op).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace wl::agent {

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual void ready(const std::string& status) = 0;
  virtual void status(const std::string& status) = 0;
  virtual void stopping() = 0;
  virtual void reloading() = 0;
  virtual void watchdog() = 0;
  // The WatchdogSec interval systemd expects pings within, if any.
  virtual std::optional<std::chrono::microseconds> watchdog_interval() const = 0;
};

// Sends to $NOTIFY_SOCKET (read once, at construction); the watchdog interval comes from
// WATCHDOG_USEC / WATCHDOG_PID as systemd sets them.
std::unique_ptr<Notifier> make_systemd_notifier();

// WATCHDOG_USEC / WATCHDOG_PID as systemd documents them: an interval only when the usec value is
// a positive decimal and the pid, if given, is ours. Exposed for tests.
std::optional<std::chrono::microseconds> parse_watchdog_env(const std::string& usec,
                                                            const std::string& pid, long self_pid);

}  // namespace wl::agent
