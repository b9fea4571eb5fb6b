// The control server never blocks on a client: a half-sent request, a client that never reads
// its reply, a flood of idle connections and an expired deadline each cost only that client.
// Everything runs on this thread against real sockets, so a blocking server would hang here.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "wirelink/agent/control_socket.hpp"

using namespace wl;
using namespace wl::agent;

namespace {

class ControlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/wlag-ctl-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/wg0.sock";
    auto s = ControlServer::listen(path_);
    ASSERT_TRUE(s.ok()) << s.error().message();
    srv_.emplace(std::move(*s));
  }
  void TearDown() override {
    srv_.reset();
    std::filesystem::remove_all(dir_);
  }

  UniqueFd connect_client() {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path_.c_str());
    EXPECT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    return fd;
  }
  static void send_text(const UniqueFd& fd, const std::string& s) {
    ASSERT_EQ(::send(fd.get(), s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  // Serves while `done` is false, waiting on the server's descriptor (bounded).
  template <typename Done>
  void pump(Done done, int rounds = 500) {
    for (int i = 0; i < rounds && !done(); ++i) {
      pollfd p{srv_->fd(), POLLIN, 0};
      ::poll(&p, 1, 10);
      srv_->serve(handler_, now_);
    }
  }
  // Serves until the client sees its reply and the end of it; returns the reply.
  std::string reply_of(const UniqueFd& fd) {
    std::string out;
    bool eof = false;
    pump([&] {
      char buf[4096];
      const ssize_t n = ::recv(fd.get(), buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) out.append(buf, static_cast<std::size_t>(n));
      if (n == 0) eof = true;
      return eof;
    });
    EXPECT_TRUE(eof);
    return out;
  }
  static bool open_without_data(const UniqueFd& fd) {
    char b;
    const ssize_t n = ::recv(fd.get(), &b, 1, MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  std::string dir_, path_;
  std::optional<ControlServer> srv_;
  TimePoint now_{std::chrono::hours(1)};
  ControlServer::Handler handler_ = [](const std::string& req) { return "reply for " + req; };
};

TEST_F(ControlServerTest, AHalfSentRequestDoesNotHoldOthers) {
  auto slow = connect_client();
  send_text(slow, "sh");
  pump([&] { return srv_->clients() == 1; });
  ASSERT_EQ(srv_->clients(), 1u);

  auto quick = connect_client();
  send_text(quick, "show json\n");
  EXPECT_EQ(reply_of(quick), "reply for show json");
  EXPECT_TRUE(open_without_data(slow));  // still waiting for the rest of its line

  send_text(slow, "ow\n");
  EXPECT_EQ(reply_of(slow), "reply for show");
  pump([&] { return srv_->clients() == 0; });
  EXPECT_EQ(srv_->clients(), 0u);
}

TEST_F(ControlServerTest, AClientThatNeverReadsItsReplyDoesNotHoldOthers) {
  handler_ = [](const std::string& req) {
    return req == "big" ? std::string(8u << 20, 'x') : "small";
  };
  auto stuck = connect_client();
  send_text(stuck, "big\n");
  pump([&] { return false; }, 20);  // the 8 MiB reply fills the socket; serve() still returns
  auto quick = connect_client();
  send_text(quick, "show\n");
  EXPECT_EQ(reply_of(quick), "small");
  EXPECT_EQ(srv_->clients(), 1u);  // the stuck one, until its deadline
  srv_->expire(now_ + ControlServer::kClientDeadline);
  EXPECT_EQ(srv_->clients(), 0u);
}

TEST_F(ControlServerTest, TheDeadlineClosesAnIdleClient) {
  auto idle = connect_client();
  pump([&] { return srv_->clients() == 1; });
  ASSERT_EQ(srv_->clients(), 1u);
  srv_->expire(now_ + ControlServer::kClientDeadline - std::chrono::milliseconds(1));
  EXPECT_EQ(srv_->clients(), 1u);
  EXPECT_TRUE(open_without_data(idle));
  srv_->expire(now_ + ControlServer::kClientDeadline);
  EXPECT_EQ(srv_->clients(), 0u);
  char b;
  EXPECT_EQ(::recv(idle.get(), &b, 1, 0), 0);  // closed: end of file, no reply
}

TEST_F(ControlServerTest, ConnectionsAreBounded) {
  std::vector<UniqueFd> idle;
  for (std::size_t i = 0; i < ControlServer::kMaxClients; ++i) {
    idle.push_back(connect_client());
    pump([&] { return srv_->clients() == i + 1; });
  }
  ASSERT_EQ(srv_->clients(), ControlServer::kMaxClients);
  auto extra = connect_client();
  EXPECT_NE(reply_of(extra).find("too many control connections"), std::string::npos);
  EXPECT_EQ(srv_->clients(), ControlServer::kMaxClients);

  idle.pop_back();  // a slot frees once the server sees the close
  auto next = connect_client();
  send_text(next, "show\n");
  EXPECT_EQ(reply_of(next), "reply for show");
}

TEST_F(ControlServerTest, AnOverlongLineIsCutAtTheLimit) {
  auto c = connect_client();
  send_text(c, std::string(1000, 'a'));
  EXPECT_EQ(reply_of(c), "reply for " + std::string(ControlServer::kMaxRequest, 'a'));
}

}  // namespace
