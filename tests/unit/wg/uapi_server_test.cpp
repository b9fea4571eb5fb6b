// wirelink-wg's UAPI server over real socket pairs with time passed in: clients are served
// side by side (a partial request, a client that never reads or a dribbling one holds up
// nobody else), one request of a connection at a time, and the connection cap and deadlines
// close the right connections, and a spent buffer budget stops only large requests.
#include "wirelink/wg/device/uapi_server.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace {

using wl::TimePoint;
using wl::UniqueFd;
using wl::wg::device::UapiServer;
using namespace std::chrono_literals;

// Gets show `peers` peers, each with one allowed IP (about 200 reply bytes per peer).
struct CountingBackend : wl::uapi::Backend {
  int peers = 1;
  int gets = 0;
  wl::device_model::DeviceState get_state() override {
    ++gets;
    wl::device_model::DeviceState s;
    for (int i = 0; i < peers; ++i) {
      wl::device_model::PeerState p;
      std::array<std::uint8_t, 32> key{};
      key[0] = static_cast<std::uint8_t>(i);
      key[1] = static_cast<std::uint8_t>(i >> 8);
      p.public_key = wl::PublicKey(key);
      p.allowed_ips.push_back(*wl::Cidr::parse("10.0.0.1/32"));
      s.peers.push_back(std::move(p));
    }
    return s;
  }
  int apply(const wl::device_model::DeviceConfig&) override { return 0; }
};

class UapiServerTest : public ::testing::Test {
 protected:
  // A new client; the server serves the other end.
  UniqueFd connect(TimePoint now) {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) ADD_FAILURE();
    server->adopt(UniqueFd(sv[1]), now);
    return UniqueFd(sv[0]);
  }
  // One round of the serving loop, without waiting.
  void round(TimePoint now) {
    std::vector<pollfd> fds;
    server->add_pollfds(fds);
    ::poll(fds.data(), fds.size(), 0);
    server->handle(fds, now);
  }
  static void send_text(const UniqueFd& fd, const std::string& s) {
    ASSERT_EQ(::send(fd.get(), s.data(), s.size(), MSG_NOSIGNAL), static_cast<ssize_t>(s.size()));
  }
  // What the client can read now without waiting; "<EOF>" once the server closed.
  static std::string read_now(const UniqueFd& fd) {
    std::string out;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd.get(), buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) return out + "<EOF>";
      if (n < 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Rounds until the client has a whole reply (the server writes as the client reads).
  std::string reply_of(const UniqueFd& fd, TimePoint now) {
    std::string out;
    for (int i = 0; i < 1000 && !out.ends_with("\n\n"); ++i) {
      round(now);
      out += read_now(fd);
    }
    return out;
  }

  CountingBackend backend;
  std::unique_ptr<UapiServer> server =
      std::make_unique<UapiServer>(backend, UapiServer::Limits{.max_connections = 4});
  const TimePoint t0{std::chrono::hours(1)};
};

TEST_F(UapiServerTest, APartialRequestHoldsUpNobody) {
  auto slow = connect(t0);
  auto fast = connect(t0);
  send_text(slow, "ge");
  send_text(fast, "get=1\n\n");
  round(t0);
  EXPECT_TRUE(read_now(fast).ends_with("errno=0\n\n"));
  EXPECT_EQ(read_now(slow), "");
  send_text(slow, "t=1\n\n");
  round(t0);
  EXPECT_TRUE(read_now(slow).ends_with("errno=0\n\n"));
}

TEST_F(UapiServerTest, AClientThatNeverReadsHoldsOnlyItsOwnReply) {
  backend.peers = 5000;  // a reply of about 1 MB: far more than a socket buffer holds
  auto stuck = connect(t0);
  std::string many;
  for (int i = 0; i < 50; ++i) many += "get=1\n\n";
  send_text(stuck, many);
  for (int i = 0; i < 5; ++i) round(t0);
  // One reply is pending; the 49 requests after it wait in the socket, unanswered.
  EXPECT_EQ(backend.gets, 1);
  auto other = connect(t0);
  send_text(other, "get=1\n\n");
  const std::string reply = reply_of(other, t0);
  EXPECT_TRUE(reply.ends_with("errno=0\n\n"));
  EXPECT_EQ(backend.gets, 2);
  // No byte of progress for longer than the idle timeout: the stuck client is dropped.
  round(t0 + 9s);
  EXPECT_EQ(server->connections(), 2u);
  round(t0 + 11s);
  EXPECT_EQ(server->connections(), 0u);
}

TEST_F(UapiServerTest, ADribblingRequestIsCutAtTheRequestTimeout) {
  auto drib = connect(t0);
  for (int s = 0; s <= 25; s += 5) {  // a byte every 5 s: never idle for 10 s
    send_text(drib, "x");
    round(t0 + std::chrono::seconds(s));
  }
  EXPECT_EQ(server->connections(), 1u);
  send_text(drib, "x");
  round(t0 + 31s);  // 31 s since its first byte
  EXPECT_EQ(server->connections(), 0u);
  EXPECT_EQ(read_now(drib), "<EOF>");
}

TEST_F(UapiServerTest, AClientBetweenRequestsIsClosedOnlyWhenIdleTooLong) {
  auto c = connect(t0);
  send_text(c, "get=1\n\n");
  EXPECT_TRUE(reply_of(c, t0 + 5s).ends_with("errno=0\n\n"));
  round(t0 + 14s);  // 9 s after its last byte
  EXPECT_EQ(server->connections(), 1u);
  send_text(c, "get=1\n\n");
  EXPECT_TRUE(reply_of(c, t0 + 14s).ends_with("errno=0\n\n"));
  round(t0 + 25s);
  EXPECT_EQ(server->connections(), 0u);
}

TEST_F(UapiServerTest, OneConnectionPastTheCapClosesTheQuietestOne) {
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 4; ++i) clients.push_back(connect(t0 + std::chrono::seconds(i)));
  send_text(clients[0], "g");  // progress: now the second one is the quietest
  round(t0 + 5s);
  auto fifth = connect(t0 + 6s);
  EXPECT_EQ(server->connections(), 4u);
  EXPECT_EQ(read_now(clients[1]), "<EOF>");
  EXPECT_EQ(read_now(clients[0]), "");
  EXPECT_EQ(read_now(clients[2]), "");
  send_text(fifth, "get=1\n\n");
  EXPECT_TRUE(reply_of(fifth, t0 + 6s).ends_with("errno=0\n\n"));
}

TEST_F(UapiServerTest, ASpentBufferBudgetStopsLargeRequestsNotSmallOnes) {
  server = std::make_unique<UapiServer>(backend,
                                        UapiServer::Limits{.max_buffered = std::size_t{2} << 20});
  auto big = connect(t0);
  // An unended set of 4 MiB: the server stops reading it once 2 MiB are buffered.
  const std::string chunk = "set=1\n" + std::string(64 * 1024 - 6, 'x');
  std::size_t sent = 0;
  for (int stalled = 0; sent < (std::size_t{4} << 20) && stalled < 20;) {
    const ssize_t n = ::send(big.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    stalled = n > 0 ? 0 : stalled + 1;
    if (n > 0) sent += static_cast<std::size_t>(n);
    round(t0);
  }
  EXPECT_LT(sent, std::size_t{4} << 20);
  // A small request is still read and answered.
  auto small = connect(t0);
  send_text(small, "get=1\n\n");
  EXPECT_TRUE(reply_of(small, t0).ends_with("errno=0\n\n"));
  EXPECT_EQ(server->connections(), 2u);
}

TEST_F(UapiServerTest, AnErrorReplyIsWrittenThenTheConnectionClosed) {
  auto c = connect(t0);
  send_text(c, "get=1\nextra\n");
  round(t0);
  EXPECT_EQ(read_now(c), "errno=-22\n\n<EOF>");
  EXPECT_EQ(server->connections(), 0u);
}

}  // namespace
