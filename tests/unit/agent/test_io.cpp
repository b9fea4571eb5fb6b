// The I/O shell against real sockets in a temporary directory (no root needed): the control
// socket round trip and file mode, the UAPI client against a scripted daemon, and the event
// loop's signal delivery.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "wirelink/agent/control_socket.hpp"
#include "wirelink/agent/device.hpp"
#include "wirelink/agent/event_loop.hpp"

using namespace wl;
using namespace wl::agent;

namespace {
std::string temp_dir() {
  char tmpl[] = "/tmp/wlag-unit-XXXXXX";
  return ::mkdtemp(tmpl);
}
}  // namespace

TEST(ControlSocket, RoundTripAndMode) {
  auto dir = temp_dir();
  auto path = dir + "/wg0.sock";
  auto srv = ControlServer::listen(path);
  ASSERT_TRUE(srv.ok()) << srv.error().message();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string got;
  std::thread t([&] {
    auto r = control_request(path, "show json");
    if (r) got = *r;
  });
  // serve() never blocks: retry until the client has connected and its reply is out.
  std::string seen;
  const ControlServer::Handler handler = [&](const std::string& req) {
    seen = req;
    return std::string("reply for ") + req;
  };
  for (int i = 0; i < 500 && (seen.empty() || srv->clients() > 0); ++i) {
    srv->serve(handler, TimePoint{});
    ::usleep(2000);
  }
  t.join();
  EXPECT_EQ(seen, "show json");
  EXPECT_EQ(got, "reply for show json");
  { auto moved = std::move(*srv); }
  EXPECT_FALSE(std::filesystem::exists(path));  // unlinked on destruction
  EXPECT_FALSE(control_request(path, "show").ok());
  std::filesystem::remove_all(dir);
}

TEST(UapiDevice, TalksToAScriptedDaemon) {
  auto dir = temp_dir();
  auto path = dir + "/wg0.sock";
  int lfd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::strcpy(sa.sun_path, path.c_str());
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  std::vector<std::string> requests;
  std::thread daemon([&] {
    const char* replies[] = {
        "listen_port=51820\npublic_key="
        "b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a33\nallowed_ip=10.0.0.2/"
        "32\nerrno=0\n\n",
        "errno=0\n\n", "errno=-22\n\n"};
    for (std::size_t i = 0; i < 3;) {
      const char* reply = replies[i];
      int c = ::accept(lfd, nullptr, nullptr);
      std::string req;
      char buf[512];
      while (req.size() < 2 || req.substr(req.size() - 2) != "\n\n") {
        ssize_t n = ::read(c, buf, sizeof(buf));
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      if (!req.empty()) {  // the probe only connects
        requests.push_back(req);
        (void)!::send(c, reply, std::strlen(reply), MSG_NOSIGNAL);
        ++i;
      }
      ::close(c);
    }
  });
  ASSERT_TRUE(uapi_socket_answers(path));  // consumes no request: connect only
  auto dev = make_uapi_device(path);
  auto st = dev->get();
  ASSERT_TRUE(st.ok()) << st.error().message();
  EXPECT_EQ(st->listen_port, 51820);
  ASSERT_EQ(st->peers.size(), 1u);
  device_model::DeviceConfig cfg;
  cfg.listen_port = 1;
  EXPECT_TRUE(dev->set(cfg).ok());
  auto bad = dev->set(cfg);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code.value(), 22);
  daemon.join();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], "get=1\n\n");
  EXPECT_EQ(requests[1], "set=1\nlisten_port=1\n\n");
  ::close(lfd);
  ::unlink(path.c_str());
  // Gone daemon: no_such_device, which makes the agent exit.
  auto gone = dev->get();
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, std::errc::no_such_device);
  std::filesystem::remove_all(dir);
}

TEST(EventLoop, DeliversSignalsAndTicks) {
  int ticks = 0;
  std::vector<int> signals;
  std::optional<EventLoop> loop;
  auto l = EventLoop::create(
      std::chrono::milliseconds(10),
      [&](int s) {
        signals.push_back(s);
        if (s == SIGTERM) loop->stop(3);
      },
      [&] {
        if (++ticks == 2) {
          ::kill(::getpid(), SIGHUP);
          ::kill(::getpid(), SIGTERM);
        }
      });
  ASSERT_TRUE(l.ok());
  loop.emplace(std::move(*l));
  EXPECT_EQ(loop->run(), 3);
  EXPECT_GE(ticks, 2);
  ASSERT_EQ(signals.size(), 2u);
  EXPECT_EQ(signals[0], SIGHUP);
  EXPECT_EQ(signals[1], SIGTERM);
}
