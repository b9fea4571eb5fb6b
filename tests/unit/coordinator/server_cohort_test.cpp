// Cohort admission against a real server: pending -> live in one batch, events over SSE and
// WebSocket, long-poll match, multi-hop paths, rotation and re-pool.
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <mutex>

#include "test_support.hpp"
#include "wirelink/coordinator/peer_admission.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;
using namespace std::chrono_literals;

namespace {

// Collects events from one SSE stream on a thread.
class SseFollower {
 public:
  SseFollower(const std::string& url, const std::string& token) {
    th_ = std::thread([this, url, token] {
      result_ = follow_events(
          ClientOptions{url}, token,
          [this](const wire::Event& e) {
            std::lock_guard l(mu_);
            events_.push_back(e);
          },
          stop_);
      done_ = true;
    });
  }
  ~SseFollower() {
    stop_ = true;
    th_.join();
  }
  std::optional<wire::Event> find(const std::string& type) {
    std::lock_guard l(mu_);
    for (const auto& e : events_)
      if (e.type == type) return e;
    return std::nullopt;
  }
  bool done() const { return done_; }
  const Result<void>& result() const { return result_; }

 private:
  std::atomic<bool> stop_{false}, done_{false};
  std::mutex mu_;
  std::vector<wire::Event> events_;
  Result<void> result_;
  std::thread th_;
};

}  // namespace

class CohortTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = test_db(dir);
  std::string pub, inv;
  void SetUp() override {
    pub = keygen(db);
    inv = invite(db, 50);
  }
};

TEST_F(CohortTest, BatchGoesLiveTogetherWithEventsAndRotation) {
  ServerProcess srv(dir.path(), db,
                    {"--floor", "3", "--dev", "--match-wait", "0", "--rotation", "3s"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto E = new_key(), A = new_key(), B = new_key(), C = new_key();
  ASSERT_TRUE(enroll(cl, reg(E, inv, true, 10)).ok());
  auto ta = enroll(cl, reg(A, inv))->session_token;
  auto tb = enroll(cl, reg(B, inv))->session_token;
  auto tc = enroll(cl, reg(C, inv))->session_token;

  SseFollower sse(srv.url(), ta);
  // B follows over WebSocket.
  namespace beast = boost::beast;
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::resolver res(ioc);
  beast::websocket::stream<boost::asio::ip::tcp::socket> ws(ioc);
  boost::asio::connect(ws.next_layer(), res.resolve("127.0.0.1", std::to_string(srv.port())));
  ws.set_option(beast::websocket::stream_base::decorator([&](beast::websocket::request_type& r) {
    r.set(beast::http::field::authorization, "Bearer " + tb);
  }));
  ws.handshake("127.0.0.1", "/api/v1/events");
  // Wait until both streams are subscribed before the cohort forms.
  ASSERT_TRUE(eventually([&] {
    auto m = cl.request("GET", "/metrics", "");
    return m.ok() && m->body.find("wl_coord_event_subscribers 2") != std::string::npos;
  }));

  EXPECT_EQ(code_of(cl.match(ta, {A, 1, std::nullopt})), coord_errc::insufficient_cohort);
  EXPECT_EQ(code_of(cl.match(tb, {B, 1, std::nullopt})), coord_errc::insufficient_cohort);
  auto mc = cl.match(tc, {C, 1, std::nullopt});
  ASSERT_TRUE(mc.ok()) << mc.error().message();
  EXPECT_EQ(mc->type, "single_hop");
  ASSERT_EQ(mc->path.size(), 1u);
  EXPECT_EQ(mc->path[0].peer_id, E.to_base64());
  EXPECT_EQ(mc->path[0].addr_hint, "192.0.2.1:51820");
  auto claims = verify_peer_token(mc->session_token, pub, C, SystemClock().wall());
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->cohort, mc->cohort);
  EXPECT_EQ(claims->path, std::vector<std::string>{E.to_base64()});

  // A got CohortAssigned over SSE with its own token for the same cohort.
  ASSERT_TRUE(eventually([&] { return sse.find("CohortAssigned").has_value(); }));
  auto ev = *sse.find("CohortAssigned");
  ASSERT_TRUE(ev.assignment.has_value());
  EXPECT_EQ(ev.cohort, mc->cohort);
  auto ca = verify_peer_token(ev.assignment->session_token, pub, A, SystemClock().wall());
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca->cohort, mc->cohort);
  // B got it over WebSocket.
  beast::flat_buffer buf;
  ws.read(buf);
  auto wev = wire::parse_event(beast::buffers_to_string(buf.data()));
  ASSERT_TRUE(wev.ok()) << beast::buffers_to_string(buf.data());
  EXPECT_EQ(wev->type, "CohortAssigned");
  EXPECT_EQ(wev->cohort, mc->cohort);
  EXPECT_TRUE(verify_peer_token(wev->assignment->session_token, pub, B, SystemClock().wall()).ok());
  // Matching again while live returns the same cohort.
  auto ma = cl.match(ta, {A, 1, std::nullopt});
  ASSERT_TRUE(ma.ok());
  EXPECT_EQ(ma->cohort, mc->cohort);

  // Rotation (3 s): CohortRotated on both streams, then everyone is back in the pool.
  ASSERT_TRUE(eventually([&] { return sse.find("CohortRotated").has_value(); }, 15));
  EXPECT_EQ(sse.find("CohortRotated")->cohort, mc->cohort);
  buf.clear();
  ws.read(buf);
  auto rot = wire::parse_event(beast::buffers_to_string(buf.data()));
  ASSERT_TRUE(rot.ok());
  EXPECT_EQ(rot->type, "CohortRotated");
  EXPECT_EQ(code_of(cl.match(ta, {A, 1, std::nullopt})), coord_errc::insufficient_cohort);
  auto m = cl.request("GET", "/metrics", "");
  EXPECT_NE(m->body.find("wl_coord_cohorts_formed_total 1"), std::string::npos);
  EXPECT_NE(m->body.find("wl_coord_cohorts_rotated_total 1"), std::string::npos);
  // A clean stop with both event streams still open (under ASan this also checks that no
  // stream outlives the service it reports to).
  EXPECT_EQ(srv.stop(SIGTERM), 0);
  ASSERT_TRUE(eventually([&] { return sse.done(); }));
}

TEST_F(CohortTest, LongPollMatchCompletesWhenFloorFills) {
  ServerProcess srv(dir.path(), db, {"--floor", "2", "--dev", "--match-wait", "20s"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto E = new_key(), A = new_key(), B = new_key();
  ASSERT_TRUE(enroll(cl, reg(E, inv, true, 10)).ok());
  auto ta = enroll(cl, reg(A, inv))->session_token;
  auto tb = enroll(cl, reg(B, inv))->session_token;
  Result<wire::MatchResponse> ra = Error{};
  std::thread t([&] {
    CoordinatorClient c2({srv.url(), 30s});
    ra = c2.match(ta, {A, 1, std::nullopt});
  });
  ASSERT_TRUE(eventually([&] {
    auto m = cl.request("GET", "/metrics", "");
    return m.ok() && m->body.find("wl_coord_peers_pending 1") != std::string::npos;
  }));
  auto rb = cl.match(tb, {B, 1, std::nullopt});
  t.join();
  ASSERT_TRUE(rb.ok()) << rb.error().message();
  ASSERT_TRUE(ra.ok()) << ra.error().message();
  EXPECT_EQ(ra->cohort, rb->cohort);
  EXPECT_NE(ra->session_token, rb->session_token);
}

TEST_F(CohortTest, MultiHopPathThroughSecondExit) {
  ServerProcess srv(dir.path(), db, {"--floor", "1", "--dev", "--match-wait", "0"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto E1 = new_key(), E2 = new_key(), A = new_key();
  ASSERT_TRUE(enroll(cl, reg(E1, inv, true, 10)).ok());
  auto ta = enroll(cl, reg(A, inv))->session_token;
  EXPECT_EQ(code_of(cl.match(ta, {A, 2, std::nullopt})), coord_errc::no_exit_available);
  ASSERT_TRUE(enroll(cl, reg(E2, inv, true, 10)).ok());
  auto m = cl.match(ta, {A, 2, std::nullopt});
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->type, "multi_hop");
  ASSERT_EQ(m->path.size(), 2u);
  EXPECT_NE(m->path[0].peer_id, m->path[1].peer_id);
  auto c = verify_peer_token(m->session_token, pub, A, SystemClock().wall());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->path, (std::vector<std::string>{m->path[0].peer_id, m->path[1].peer_id}));
}

TEST_F(CohortTest, ExitCapacityAndExitLeaving) {
  ServerProcess srv(dir.path(), db, {"--floor", "1", "--dev", "--match-wait", "0"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto E = new_key(), A = new_key(), B = new_key();
  auto te = enroll(cl, reg(E, inv, true, 1))->session_token;
  auto ta = enroll(cl, reg(A, inv))->session_token;
  auto tb = enroll(cl, reg(B, inv))->session_token;
  SseFollower sse(srv.url(), ta);
  ASSERT_TRUE(cl.match(ta, {A, 1, std::nullopt}).ok());
  // Capacity 1 is used up.
  EXPECT_EQ(code_of(cl.match(tb, {B, 1, std::nullopt})), coord_errc::no_exit_available);
  ASSERT_TRUE(eventually([&] {
    auto m = cl.request("GET", "/metrics", "");
    return m.ok() && m->body.find("wl_coord_event_subscribers 1") != std::string::npos;
  }));
  // The exit disconnects: A hears Disconnect and CohortRotated.
  ASSERT_TRUE(cl.disconnect(te, {E, "maintenance", std::nullopt}).ok());
  ASSERT_TRUE(eventually([&] { return sse.find("CohortRotated").has_value(); }));
  auto d = sse.find("Disconnect");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->peer_id, E.to_base64());
  EXPECT_EQ(d->reason, "maintenance");
  EXPECT_EQ(sse.find("CohortRotated")->reason, "exit_left");
}
