// The coordinator against hostile or careless clients, over real HTTP on 127.0.0.1: a flood
// of forged tokens naming a victim, too many event streams, odd methods on the health
// endpoints, oversized headers and bodies.
#include <nlohmann/json.hpp>

#include "raw_http.hpp"
#include "test_support.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;

namespace {

class HardeningTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = test_db(dir);
  void SetUp() override { keygen(db); }
};

std::string json_code(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  return j.is_object() && j.contains("code") ? j["code"].get<std::string>() : std::string();
}

// The GET that opens a text/event-stream for the bearer of `token`.
std::string events_request(const std::string& token) {
  return "GET /api/v1/events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n"
         "Authorization: Bearer " +
         token + "\r\n\r\n";
}

}  // namespace

// Forged tokens naming a victim used to drain the victim's per-peer bucket before the token
// was checked: ~40 requests/s made 9 of 10 of its valid heartbeats answer 429.
TEST_F(HardeningTest, ForgedTokenFloodDoesNotStarveTheVictim) {
  const auto inv = invite(db, 3);
  // A small per-peer budget, so the flood would drain it however slowly this machine sends.
  ServerProcess srv(dir.path(), db, {"--rate-peer", "0.5", "--rate-peer-burst", "5"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto victim = new_key();
  auto a = enroll(cl, reg(victim, inv));
  ASSERT_TRUE(a.ok()) << a.error().message();

  const auto hb = to_json(wire::HeartbeatRequest{victim, false, std::nullopt});
  const std::string forged = "v4.public.forged-token-for-the-victim";
  int refused = 0, limited = 0;
  for (int i = 0; i < 120; ++i) {
    auto r = cl.request("POST", "/api/v1/heartbeat", hb, forged);
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->status, 200);
    if (r->status == 401) ++refused;
    if (r->status == 429) {
      ++limited;
      EXPECT_EQ(json_code(r->body), "rate.limited");
    }
  }
  // The failures were charged to the flooding address: after its burst, 429.
  EXPECT_GT(refused, 0);
  EXPECT_GT(limited, 0);
  // Register attempts naming the victim with a bad invite, each with a fresh challenge but a
  // proof made with the attacker's key, do not spend its budget either.
  const auto attacker = new_key();
  for (int i = 0; i < 60; ++i) {
    auto bogus = nlohmann::json::parse(proven_body(cl, reg(attacker, "wlinv1.not-an-invite")));
    bogus["peer_id"] = victim.to_base64();
    auto r = cl.request("POST", "/api/v1/register", bogus.dump());
    ASSERT_TRUE(r.ok());
    EXPECT_NE(r->status, 200) << r->body;
  }
  // The victim's own heartbeats all succeed (within its budget: 5, one spent on register).
  for (int i = 0; i < 3; ++i) {
    auto h = cl.heartbeat(a->session_token, {victim, false, std::nullopt});
    EXPECT_TRUE(h.ok()) << i << ": " << h.error().message();
  }
  auto m = cl.request("GET", "/metrics", "");
  EXPECT_EQ(m->body.find("wl_coord_rate_limited_total{scope=\"peer\"}"), std::string::npos)
      << m->body;
}

TEST_F(HardeningTest, EventStreamsPerPeerAreCapped) {
  const auto inv = invite(db, 1);
  ServerProcess srv(dir.path(), db, {"--max-streams", "2"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto A = new_key();
  auto a = enroll(cl, reg(A, inv));
  ASSERT_TRUE(a.ok()) << a.error().message();
  RawConn s1(srv.port()), s2(srv.port()), s3(srv.port());
  ASSERT_TRUE(s1.send(events_request(a->session_token)));
  EXPECT_EQ(status_of(s1.read()), 200);
  ASSERT_TRUE(s2.send(events_request(a->session_token)));
  EXPECT_EQ(status_of(s2.read()), 200);
  ASSERT_TRUE(s3.send(events_request(a->session_token)));
  const auto third = s3.read("}");
  EXPECT_EQ(status_of(third), 429) << third;
  EXPECT_NE(third.find("events.too_many_streams"), std::string::npos) << third;
  // Closing one frees its place.
  s1.close();
  EXPECT_TRUE(eventually([&] {
    RawConn s4(srv.port());
    s4.send(events_request(a->session_token));
    return status_of(s4.read()) == 200;
  }));
}

TEST_F(HardeningTest, HealthEndpointsAnswerOnlyGetAndHead) {
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    for (const char* method : {"POST", "PUT", "DELETE"}) {
      RawConn c(srv.port());
      c.send(std::string(method) + " " + path +
             " HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
      const auto r = c.read("}");
      EXPECT_EQ(status_of(r), 405) << method << " " << path << ": " << r;
      EXPECT_NE(r.find("Allow: GET, HEAD"), std::string::npos) << r;
      EXPECT_NE(r.find("method.not_allowed"), std::string::npos) << r;
    }
  }
  RawConn c(srv.port());
  c.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto head = c.read();
  EXPECT_EQ(status_of(head), 200) << head;
  EXPECT_NE(head.find("Content-Length: 3"), std::string::npos) << head;
  // No body followed the HEAD answer: the same connection answers a GET next.
  c.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto get = c.read("ok\n");
  EXPECT_EQ(get.find("ok\n"), get.size() - 3) << get;
  EXPECT_EQ(status_of(get), 200) << get;
}

TEST_F(HardeningTest, OversizedHeadersAndBodiesGetAStatus) {
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  {
    RawConn c(srv.port());
    c.send("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Filler: " + std::string(16 * 1024, 'a') +
           "\r\n\r\n");
    const auto r = c.read("}");
    EXPECT_EQ(status_of(r), 431) << r;
  }
  {
    RawConn c(srv.port());
    c.send(
        "POST /api/v1/heartbeat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: 100000\r\n\r\n" +
        std::string(100000, ' '));
    const auto r = c.read("}");
    EXPECT_EQ(status_of(r), 413) << r;
  }
  // The server is fine afterwards.
  RawConn c(srv.port());
  c.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(status_of(c.read()), 200);
}
