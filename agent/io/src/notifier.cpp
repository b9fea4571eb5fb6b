// sd_notify without libsystemd. The notification protocol is a documented, stable interface
// (sd_notify(3), "NOTIFY_SOCKET"): one AF_UNIX datagram of newline-separated KEY=VALUE lines
// sent to the socket named by $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).
// libsystemd itself maps libgcrypt, liblzma, libzstd, liblz4 and libcap into the process (about
// 1 MiB resident), a tenth of the agent's memory budget, for these few lines.
#include "wirelink/agent/notifier.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "wirelink/base/unique_fd.hpp"

namespace wl::agent {

namespace {

class SystemdNotifier final : public Notifier {
 public:
  SystemdNotifier(std::string socket_path, std::optional<std::chrono::microseconds> wd)
      : path_(std::move(socket_path)), watchdog_(wd) {}

  void ready(const std::string& s) override { send("READY=1\nSTATUS=" + s); }
  void status(const std::string& s) override { send("STATUS=" + s); }
  void stopping() override { send("STOPPING=1"); }
  void reloading() override { send("RELOADING=1"); }
  void watchdog() override { send("WATCHDOG=1"); }
  std::optional<std::chrono::microseconds> watchdog_interval() const override { return watchdog_; }

 private:
  // Best effort, never blocks: a full or missing socket only loses one notification.
  void send(const std::string& msg) {
    if (path_.empty()) return;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (path_.size() >= sizeof(sa.sun_path)) return;
    std::memcpy(sa.sun_path, path_.data(), path_.size());
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
    if (path_[0] == '@')
      sa.sun_path[0] = '\0';  // abstract namespace: no trailing NUL in the length
    else
      len += 1;
    if (!fd_) fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd_) return;
    ssize_t r;
    do {
      r = ::sendto(fd_.get(), msg.data(), msg.size(), MSG_NOSIGNAL,
                   reinterpret_cast<const sockaddr*>(&sa), len);
    } while (r < 0 && errno == EINTR);
  }

  std::string path_;
  std::optional<std::chrono::microseconds> watchdog_;
  UniqueFd fd_;
};

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

}  // namespace

std::optional<std::chrono::microseconds> parse_watchdog_env(const std::string& usec,
                                                            const std::string& pid, long self_pid) {
  // Whole-string decimals only, as systemd writes them.
  auto whole = [](const std::string& s, auto& out) {
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
  };
  // WATCHDOG_PID, when set, names the process the watchdog is meant for (not a child).
  long p = 0;
  if (!pid.empty() && (!whole(pid, p) || p != self_pid)) return std::nullopt;
  std::uint64_t v = 0;
  if (!whole(usec, v) || v == 0) return std::nullopt;
  return std::chrono::microseconds(v);
}

std::unique_ptr<Notifier> make_systemd_notifier() {
  return std::make_unique<SystemdNotifier>(
      env_or_empty("NOTIFY_SOCKET"),
      parse_watchdog_env(env_or_empty("WATCHDOG_USEC"), env_or_empty("WATCHDOG_PID"),
                         static_cast<long>(::getpid())));
}

}  // namespace wl::agent
