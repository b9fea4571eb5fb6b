// The metrics endpoint: answer_http's routing, and a scrape over a real Unix socket served
// from this thread (the server must answer a whole HTTP request without blocking).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "wirelink/agent/metrics_listen.hpp"

using namespace wl;
using namespace wl::agent;

TEST(MetricsHttp, GetMetricsGetsTheBody) {
  const auto r = answer_http("GET /metrics HTTP/1.1\r", [] { return std::string("x 1\n"); });
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r;
  EXPECT_NE(r.find("Content-Length: 4\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\nx 1\n")) << r;
  EXPECT_EQ(answer_http("GET /metrics?x=1 HTTP/1.0", [] { return std::string(); })
                .rfind("HTTP/1.1 200", 0),
            0u);
}

TEST(MetricsHttp, OtherRequestsAreRefusedWithoutRendering) {
  bool rendered = false;
  auto body = [&] {
    rendered = true;
    return std::string();
  };
  EXPECT_EQ(answer_http("GET / HTTP/1.1", body).rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(answer_http("POST /metrics HTTP/1.1", body).rfind("HTTP/1.1 405", 0), 0u);
  EXPECT_EQ(answer_http("garbage", body).rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(answer_http("GET /metrics", body).rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_FALSE(rendered);
}

TEST(MetricsHttp, ListenSpecs) {
  EXPECT_TRUE(is_metrics_unix_path("/run/wirelink/wg0.metrics"));
  EXPECT_FALSE(is_metrics_unix_path("127.0.0.1:9586"));
  EXPECT_FALSE(listen_metrics("localhost:9586").ok());  // literal addresses only
}

TEST(MetricsHttp, ScrapeOverAUnixSocket) {
  char tmpl[] = "/tmp/wlag-metrics-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  const std::string path = dir + "/wg0.metrics";
  {
    auto srv = listen_metrics(path);
    ASSERT_TRUE(srv.ok()) << srv.error().message();
    UniqueFd c(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::strcpy(sa.sun_path, path.c_str());
    ASSERT_EQ(::connect(c.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0);
    // The request in two pieces: the first line alone must not be answered yet.
    const std::string head = "GET /metrics HTTP/1.1\r\n";
    const std::string rest = "Host: x\r\nAccept: text/plain\r\n\r\n";
    ASSERT_EQ(::send(c.get(), head.data(), head.size(), 0), static_cast<ssize_t>(head.size()));
    int calls = 0;
    auto handler = [&](const std::string& req) {
      ++calls;
      return answer_http(req, [] { return std::string("wirelink_up 1\n"); });
    };
    for (int i = 0; i < 3; ++i) srv->serve(handler, TimePoint{});
    EXPECT_EQ(calls, 0);
    ASSERT_EQ(::send(c.get(), rest.data(), rest.size(), 0), static_cast<ssize_t>(rest.size()));
    std::string got;
    for (int i = 0; i < 50 && !got.ends_with("wirelink_up 1\n"); ++i) {
      pollfd p{srv->fd(), POLLIN, 0};
      ::poll(&p, 1, 100);
      srv->serve(handler, TimePoint{});
      char buf[512];
      const ssize_t n = ::recv(c.get(), buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(got.rfind("HTTP/1.1 200 OK", 0), 0u) << got;
    EXPECT_TRUE(got.ends_with("\r\n\r\nwirelink_up 1\n")) << got;
  }
  EXPECT_FALSE(std::filesystem::exists(path));  // the server removes its socket
  std::filesystem::remove_all(dir);
}
