// CoordinatorSession (the agent-side client) against a real server: register with an invite,
// match, events, refresh, fail static while the coordinator is down, recovery, disconnect.
#include <poll.h>

#include <regex>

#include "test_support.hpp"
#include "wirelink/coordinator/peer_admission.hpp"
#include "wirelink/coordinator/session.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;
using namespace std::chrono_literals;

namespace {
SessionConfig config(const std::string& url, const PublicKey& self, const std::string& inv,
                     const std::string& pub) {
  SessionConfig c;
  c.client = ClientOptions{url, 5s, 1s};
  c.self = self;
  c.own = private_of(self).clone();
  c.invite = inv;
  c.coordinator_keys = *KeyRing::parse(pub);
  c.heartbeat = 1s;
  c.backoff_min = 100ms;
  c.backoff_max = 1s;
  return c;
}
// A coordinator with a fresh database and a 10-use invite, serving with `args`.
struct TestCoordinator {
  explicit TestCoordinator(std::vector<std::string> args) : srv(dir.path(), db, std::move(args)) {}
  TempDir dir;
  std::string db = test_db(dir);
  std::string pub = keygen(db);
  std::string inv = invite(db, 10);
  ServerProcess srv;
};
const std::vector<std::string> kShortTokenArgs = {"--floor", "1",           "--dev", "--match-wait",
                                                  "0",       "--token-ttl", "10s"};
// A coordinator (floor 1, matching at once) issuing 10 s tokens.
struct ShortTokenCoordinator : TestCoordinator {
  ShortTokenCoordinator() : TestCoordinator(kShortTokenArgs) {}
};
}  // namespace

TEST(CoordinatorSession, RegistersMatchesRefreshesAndDisconnects) {
  // A short token lifetime so the session must refresh during the test.
  ShortTokenCoordinator c;
  ASSERT_TRUE(c.srv.running());
  const auto &pub = c.pub, &inv = c.inv;
  auto& srv = c.srv;
  CoordinatorClient cl({srv.url()});
  const auto E = new_key(), A = new_key();
  ASSERT_TRUE(enroll(cl, reg(E, inv, true, 5)).ok());

  SystemClock clock;
  auto cfg = config(srv.url(), A, inv, pub);
  cfg.want_match = true;
  CoordinatorSession s(std::move(cfg), clock);
  EXPECT_EQ(s.status().state, SessionState::starting);
  s.start();
  ASSERT_TRUE(eventually([&] { return s.status().assignment.has_value(); }))
      << s.status().last_error;
  auto st = s.status();
  EXPECT_EQ(st.state, SessionState::registered);
  EXPECT_EQ(st.assignment->path.back().peer_id, E.to_base64());
  auto adm = verify_peer_token(st.token, pub, A, clock.wall());
  ASSERT_TRUE(adm.ok());
  EXPECT_EQ(adm->cohort, st.assignment->cohort);
  // notify_fd is readable after a change.
  pollfd p{s.notify_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 1);
  s.drain_events();

  // Refresh before expiry: with a 10 s token and 1 s heartbeats, a new token (later exp)
  // arrives while the first is still valid.
  const auto first_exp = st.token_expires;
  ASSERT_TRUE(eventually([&] { return s.status().token_expires > first_exp; }, 15));
  EXPECT_TRUE(verify_peer_token(s.status().token, pub, A, clock.wall()).ok());
  EXPECT_EQ(s.status().state, SessionState::registered);

  const auto tok = s.status().token;
  s.stop();
  EXPECT_EQ(s.status().state, SessionState::stopped);
  // stop() disconnected: the server no longer accepts the token.
  EXPECT_EQ(code_of(cl.heartbeat(tok, {A, false, std::nullopt})), coord_errc::token_invalid);
}

// Matching that keeps failing (no exit registered) must not stop heartbeats and token refresh.
TEST(CoordinatorSession, KeepsRefreshingWhileMatchFails) {
  // A short token lifetime so the session must refresh during the test.
  ShortTokenCoordinator c;
  ASSERT_TRUE(c.srv.running());
  const auto &pub = c.pub, &inv = c.inv;
  auto& srv = c.srv;
  const auto A = new_key();
  SystemClock clock;
  auto cfg = config(srv.url(), A, inv, pub);
  cfg.want_match = true;
  CoordinatorSession s(std::move(cfg), clock);
  s.start();
  ASSERT_TRUE(eventually([&] { return !s.status().token.empty(); })) << s.status().last_error;
  ASSERT_TRUE(eventually([&] { return !s.status().last_error.empty(); }));  // match refused
  // Heartbeats keep flowing (1 s period) although every match fails.
  CoordinatorClient cl({srv.url()});
  auto heartbeats = [&] {
    auto m = cl.request("GET", "/metrics", "");
    if (!m.ok()) return 0;
    std::smatch sm;
    static const std::regex re(
        R"(wl_coord_requests_total\{endpoint="[^"]*heartbeat[^"]*",status="200"\} (\d+))");
    return std::regex_search(m->body, sm, re) ? std::stoi(sm[1]) : 0;
  };
  ASSERT_TRUE(eventually([&] { return heartbeats() >= 3; }, 15)) << heartbeats();
  const auto first_exp = s.status().token_expires;
  ASSERT_TRUE(eventually([&] { return s.status().token_expires > first_exp; }, 15))
      << s.status().last_error;
  EXPECT_FALSE(s.status().assignment.has_value());
  EXPECT_TRUE(verify_peer_token(s.status().token, pub, A, clock.wall()).ok());
  s.stop();
}

TEST(CoordinatorSession, FailsStaticWhileCoordinatorIsDownAndRecovers) {
  TempDir dir;
  const std::string db = test_db(dir);
  const auto pub = keygen(db);
  const auto inv = invite(db, 10);
  auto srv = std::make_unique<ServerProcess>(dir.path(), db, std::vector<std::string>{});
  ASSERT_TRUE(srv->running());
  const int port = srv->port();
  const auto A = new_key();
  SystemClock clock;
  CoordinatorSession s(config(srv->url(), A, inv, pub), clock);
  s.start();
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::registered; }))
      << s.status().last_error;
  ASSERT_TRUE(eventually([&] { return s.status().stream_connects >= 1; }));
  const auto tok = s.status().token;
  const auto connects = s.status().stream_connects;

  srv->stop(SIGKILL);
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::unreachable; }));
  // Fail static: the admitted token is kept (it has not expired).
  EXPECT_EQ(s.status().token, tok);
  EXPECT_FALSE(s.status().last_error.empty());

  // Same port, same database: the session recovers on its own and the event stream reconnects.
  srv = std::make_unique<ServerProcess>(
      dir.path(), db, std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(srv->running());
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::registered; }, 15))
      << s.status().last_error;
  ASSERT_TRUE(eventually([&] { return s.status().stream_connects > connects; }, 15));
  s.stop();
}

// The coordinator stays down past the token's exp: the session reports `expired` (not just
// unreachable), and once it registers again the old error line is gone.
TEST(CoordinatorSession, ReachesExpiredAndClearsTheErrorOnRecovery) {
  ShortTokenCoordinator c;
  ASSERT_TRUE(c.srv.running());
  const int port = c.srv.port();
  SystemClock clock;
  CoordinatorSession s(config(c.srv.url(), new_key(), c.inv, c.pub), clock);
  s.start();
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::registered; }))
      << s.status().last_error;
  c.srv.stop(SIGKILL);
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::expired; }, 20))
      << to_string(s.status().state);
  EXPECT_TRUE(s.status().token.empty());
  EXPECT_FALSE(s.status().last_error.empty());
  auto args = kShortTokenArgs;
  args.insert(args.end(), {"--listen", "127.0.0.1:" + std::to_string(port)});
  ServerProcess again(c.dir.path(), c.db, args);
  ASSERT_TRUE(again.running());
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::registered; }, 15))
      << s.status().last_error;
  EXPECT_EQ(s.status().last_error, "");
  s.stop();
}

// A client alone in an exit's pool (floor 2) is registered and says what it waits for.
TEST(CoordinatorSession, WaitingForACohortNamesThePool) {
  TestCoordinator c({"--floor", "2", "--dev", "--match-wait", "0"});
  ASSERT_TRUE(c.srv.running());
  CoordinatorClient cl({c.srv.url()});
  const auto E = new_key(), A = new_key();
  ASSERT_TRUE(enroll(cl, reg(E, c.inv, true, 5)).ok());
  SystemClock clock;
  auto cfg = config(c.srv.url(), A, c.inv, c.pub);
  cfg.want_match = true;
  CoordinatorSession s(std::move(cfg), clock);
  s.start();
  const auto want = "waiting for a cohort (1 of 2 on exit " + E.to_base64() + ")";
  ASSERT_TRUE(eventually([&] { return s.status().detail == want; })) << s.status().detail;
  EXPECT_EQ(s.status().state, SessionState::registered);
  EXPECT_EQ(s.status().last_error, "");  // waiting is not an error
  s.stop();
}

// An exit whose capacity is below the floor registers, with a warning saying why it will never
// serve a cohort.
TEST(CoordinatorSession, ExitBelowTheFloorIsWarned) {
  TestCoordinator c({"--floor", "3", "--dev"});
  ASSERT_TRUE(c.srv.running());
  SystemClock clock;
  auto cfg = config(c.srv.url(), new_key(), c.inv, c.pub);
  cfg.can_exit = true;
  cfg.capacity = 2;
  CoordinatorSession s(std::move(cfg), clock);
  s.start();
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::registered; }))
      << s.status().last_error;
  EXPECT_NE(s.status().warning.find("capacity 2 is below the anonymity floor 3"), std::string::npos)
      << s.status().warning;
  // Heartbeat replies tell the exit what it serves: nothing yet.
  ASSERT_TRUE(eventually([&] { return s.status().exit_cohorts == 0; })) << s.status().exit_cohorts;
  EXPECT_EQ(s.status().exit_clients, 0);
  s.stop();
}

TEST(CoordinatorSession, RefusedInviteIsReported) {
  TempDir dir;
  const std::string db = test_db(dir);
  const auto pub = keygen(db);
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  SystemClock clock;
  CoordinatorSession s(config(srv.url(), new_key(), "wlinv1.bogus", pub), clock);
  s.start();
  ASSERT_TRUE(eventually([&] { return s.status().state == SessionState::refused; }));
  EXPECT_NE(s.status().last_error.find("invite.invalid"), std::string::npos)
      << s.status().last_error;
  EXPECT_TRUE(s.status().token.empty());
  s.stop();
}

TEST(PeerAdmission, OfflineVerification) {
  auto key = SigningKey::from(paseto::V4SecretKey::generate());
  const auto pub = paserk::to_public(key.secret.public_key());
  const auto A = new_key();
  SessionClaims c;
  c.sub = A;
  c.iat = c.nbf = WallTime(std::chrono::seconds(1'800'000'000));
  c.exp = c.iat + 30min;
  c.cohort = "c-9";
  const auto tok = mint_session_token(key, c);
  auto ok = verify_peer_token(tok, pub, A, c.iat + 1min);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->admitted_until, c.exp);
  EXPECT_EQ(ok->cohort, "c-9");
  EXPECT_EQ(verify_peer_token(tok, pub, new_key(), c.iat).error().code, coord_errc::token_invalid);
  EXPECT_EQ(verify_peer_token(tok, pub, A, c.exp).error().code, coord_errc::token_expired);
  const auto other = paserk::to_public(paseto::V4SecretKey::generate().public_key());
  EXPECT_EQ(verify_peer_token(tok, other, A, c.iat).error().code, coord_errc::token_invalid);
  EXPECT_FALSE(verify_peer_token(tok, "k4.public.bad", A, c.iat).ok());
  // A ring with an old and a new key (rotation) accepts tokens of both.
  EXPECT_TRUE(verify_peer_token(tok, other + "," + pub, A, c.iat).ok());
}
