// The sd_notify replacement against libsystemd itself: for every message the agent sends, the
// datagram our notifier puts on $NOTIFY_SOCKET must be byte-for-byte what sd_notify() sends, for
// a path socket and an abstract one; and WATCHDOG_USEC/WATCHDOG_PID must be read exactly as
// sd_watchdog_enabled() reads them.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "wirelink/agent/notifier.hpp"

namespace wl::agent {
namespace {

// A bound datagram socket standing in for systemd's notification socket.
class FakeManager {
 public:
  explicit FakeManager(bool abstract) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    const std::string name =
        "wl-notify-test-" + std::to_string(::getpid()) + (abstract ? "a" : "p");
    socklen_t len;
    if (abstract) {
      std::memcpy(sa.sun_path + 1, name.data(), name.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
      env_ = "@" + name;
    } else {
      path_ = ::testing::TempDir() + name;
      ::unlink(path_.c_str());
      std::memcpy(sa.sun_path, path_.data(), path_.size());
      len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size() + 1);
      env_ = path_;
    }
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len), 0) << std::strerror(errno);
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~FakeManager() {
    ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  const std::string& env() const { return env_; }
  std::string receive_within(timeval tv) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return receive();
  }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? "<nothing>" : std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  int fd_ = -1;
  std::string path_, env_;
};

class NotifierParity : public ::testing::TestWithParam<bool> {};

TEST_P(NotifierParity, SendsWhatLibsystemdSends) {
  FakeManager m(GetParam());
  ::setenv("NOTIFY_SOCKET", m.env().c_str(), 1);
  auto n = make_systemd_notifier();

  n->ready("3 peers, 2 healthy");
  ASSERT_GT(::sd_notify(0, "READY=1\nSTATUS=3 peers, 2 healthy"), 0);
  const std::string ours_ready = m.receive(), theirs_ready = m.receive();
  EXPECT_EQ(ours_ready, "READY=1\nSTATUS=3 peers, 2 healthy");
  EXPECT_EQ(ours_ready, theirs_ready);

  n->status("reloading");
  ::sd_notify(0, "STATUS=reloading");
  EXPECT_EQ(m.receive(), m.receive());

  for (const char* msg : {"STOPPING=1", "RELOADING=1", "WATCHDOG=1"}) {
    if (std::string(msg) == "STOPPING=1") n->stopping();
    if (std::string(msg) == "RELOADING=1") n->reloading();
    if (std::string(msg) == "WATCHDOG=1") n->watchdog();
    ::sd_notify(0, msg);
    const std::string ours = m.receive();
    EXPECT_EQ(ours, msg);
    EXPECT_EQ(ours, m.receive());
  }
  ::unsetenv("NOTIFY_SOCKET");
}

INSTANTIATE_TEST_SUITE_P(PathAndAbstract, NotifierParity, ::testing::Values(false, true));

TEST(Notifier, OutsideSystemdNothingIsSentAndNoWatchdog) {
  FakeManager m(false);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  auto n = make_systemd_notifier();
  n->ready("x");
  n->watchdog();
  EXPECT_FALSE(n->watchdog_interval().has_value());
  // The socket created afterwards is not used either: $NOTIFY_SOCKET is read once.
  ::setenv("NOTIFY_SOCKET", m.env().c_str(), 1);
  n->stopping();
  ::unsetenv("NOTIFY_SOCKET");
  timeval tv{0, 200000};
  EXPECT_EQ(m.receive_within(tv), "<nothing>");
}

TEST(Notifier, WatchdogEnvironmentReadLikeLibsystemd) {
  const std::string self = std::to_string(::getpid());
  struct Case {
    const char* usec;
    std::string pid;
  };
  const Case cases[] = {
      {"30000000", ""},  {"30000000", self}, {"30000000", "1"},   {"0", ""},
      {"", ""},          {"abc", ""},        {"-5", ""},          {"15000000", "x"},
      {"15000000 ", ""}, {"1", ""},          {"99999999999", ""}, {"20000000", self + "0"},
  };
  for (const auto& c : cases) {
    if (*c.usec != '\0')
      ::setenv("WATCHDOG_USEC", c.usec, 1);
    else
      ::unsetenv("WATCHDOG_USEC");
    if (!c.pid.empty())
      ::setenv("WATCHDOG_PID", c.pid.c_str(), 1);
    else
      ::unsetenv("WATCHDOG_PID");
    std::uint64_t usec = 0;
    const int r = ::sd_watchdog_enabled(0, &usec);
    const auto ours = parse_watchdog_env(c.usec, c.pid, static_cast<long>(::getpid()));
    SCOPED_TRACE(std::string("WATCHDOG_USEC='") + c.usec + "' WATCHDOG_PID='" + c.pid + "'");
    EXPECT_EQ(ours.has_value(), r > 0);
    if (ours && r > 0) {
      EXPECT_EQ(static_cast<std::uint64_t>(ours->count()), usec);
    }
    // make_systemd_notifier() reads the same variables.
    EXPECT_EQ(make_systemd_notifier()->watchdog_interval().has_value(), r > 0);
  }
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

}  // namespace
}  // namespace wl::agent
