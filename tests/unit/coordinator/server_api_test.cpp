// Every endpoint and error code of the coordinator API, against a real server process over
// real HTTP (libcurl) on 127.0.0.1.
#include <atomic>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "test_support.hpp"
#include "wirelink/coordinator/invite.hpp"
#include "wirelink/coordinator/peer_admission.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;
using namespace std::chrono_literals;

TEST(CoordinatorCli, HelpAndUsageErrors) {
  auto [rc, out] = run_cli({"--help"});
  EXPECT_EQ(rc, 0);
  for (const char* s : {"keygen", "invite create", "--uses", "--ttl", "serve", "--listen", "--db",
                        "--floor", "--dev"})
    EXPECT_NE(out.find(s), std::string::npos) << s;
  // --help is true to the parser: every option it lists is accepted (an unknown option before
  // --help would be a usage error, exit 2), and every option the parser takes is listed.
  std::set<std::string> listed;
  for (std::size_t i = out.find("--"); i != std::string::npos; i = out.find("--", i + 2)) {
    std::size_t j = i + 2;
    while (j < out.size() && (std::isalnum(static_cast<unsigned char>(out[j])) || out[j] == '-'))
      ++j;
    if (j > i + 2) listed.insert(out.substr(i, j - i));
  }
  for (const auto& opt : listed) {
    const bool flag = opt == "--dev" || opt == "--help" || opt == "--version";
    auto r = flag ? run_cli({opt, "--help"}) : run_cli({opt, "x", "--help"});
    EXPECT_EQ(r.first, 0) << opt;
  }
  for (const char* opt :
       {"--db",           "--uses",      "--ttl",           "--listen",    "--port-file",
        "--floor",        "--dev",       "--rotation",      "--token-ttl", "--match-wait",
        "--peer-timeout", "--rate-ip",   "--rate-ip-burst", "--rate-peer", "--rate-peer-burst",
        "--sync",         "--log-level", "--tls-cert",      "--tls-key",   "--version"})
    EXPECT_TRUE(listed.count(opt)) << opt;
  EXPECT_EQ(run_cli({"--bogus", "x", "--help"}).first, 2);
  TempDir d;
  EXPECT_EQ(run_cli({"serve", "--floor", "10", "--db", d.path() + "/x.db"}).first, 2);
  EXPECT_EQ(run_cli({"frobnicate"}).first, 2);
  EXPECT_EQ(run_cli({"invite", "create", "--uses", "0", "--db", d.path() + "/x.db"}).first, 2);
  EXPECT_EQ(run_cli({"invite", "create", "--ttl", "soon", "--db", d.path() + "/x.db"}).first, 2);
  // No key yet: invite create is a runtime error.
  EXPECT_EQ(run_cli({"invite", "create", "--db", test_db(d, "y")}).first, 1);
}

class ApiTest : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = test_db(dir);
  std::string pub;
  void SetUp() override { pub = keygen(db); }
};

TEST_F(ApiTest, RegisterInvitesAndEveryErrorCode) {
  auto [prc, pubs] = run_cli({"pubkey", "--db", db});
  EXPECT_EQ(prc, 0);
  EXPECT_EQ(trim(pubs), pub);
  const auto inv2 = invite(db, 2);
  const auto inv_short = invite(db, 5, "1s");
  ServerProcess srv(dir.path(), db, {"--floor", "3", "--dev", "--match-wait", "0"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});

  // health, readiness
  auto h = cl.request("GET", "/healthz", "");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(cl.request("GET", "/readyz", "")->status, 200);

  // register A and B with a 2-use invite; C finds it exhausted.
  const auto A = new_key(), B = new_key(), C = new_key(), E = new_key();
  auto a = enroll(cl, reg(A, inv2));
  ASSERT_TRUE(a.ok()) << a.error().message();
  auto adm = verify_peer_token(a->session_token, pub, A, SystemClock().wall());
  ASSERT_TRUE(adm.ok()) << adm.error().message();
  EXPECT_EQ(adm->admitted_until, a->expires_at);
  EXPECT_EQ(adm->cohort, "");
  EXPECT_FALSE(verify_peer_token(a->session_token, pub, B, SystemClock().wall()).ok());
  ASSERT_TRUE(enroll(cl, reg(B, inv2)).ok());
  EXPECT_EQ(code_of(enroll(cl, reg(C, inv2))), coord_errc::invite_exhausted);
  // The same peer redeeming again does not use the invite up.
  EXPECT_TRUE(enroll(cl, reg(A, inv2)).ok());
  // A registered peer re-registers (with a fresh proof) without an invite.
  EXPECT_TRUE(enroll(cl, reg(A, "")).ok());
  // No invite at all.
  EXPECT_EQ(code_of(enroll(cl, reg(C, ""))), coord_errc::invite_invalid);

  // invite.invalid: tampered signature, garbage, another coordinator's invite.
  auto parsed = decode_invite(inv2);
  ASSERT_TRUE(parsed.ok());
  parsed->signature[0] ^= 1;
  EXPECT_EQ(code_of(enroll(cl, reg(C, encode_invite(*parsed)))), coord_errc::invite_invalid);
  EXPECT_EQ(code_of(enroll(cl, reg(C, "wlinv1.garbage"))), coord_errc::invite_invalid);
  TempDir other;
  const auto odb = test_db(other, "o");
  keygen(odb);
  EXPECT_EQ(code_of(enroll(cl, reg(C, invite(odb, 1)))), coord_errc::invite_invalid);
  // The raw HTTP status and JSON body for one of them.
  auto raw = cl.request("POST", "/api/v1/register", proven_body(cl, reg(C, "wlinv1.garbage")));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->status, 400);
  auto body = nlohmann::json::parse(raw->body);
  EXPECT_EQ(body["code"], "invite.invalid");
  EXPECT_TRUE(body["message"].is_string());

  // invite.expired: a 1 s invite, used after it expired.
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(code_of(enroll(cl, reg(C, inv_short))), coord_errc::invite_expired);
  EXPECT_EQ(cl.request("POST", "/api/v1/register", proven_body(cl, reg(C, inv_short)))->status,
            403);

  // match.no_exit_available: nobody offers exit capacity yet.
  EXPECT_EQ(code_of(cl.match(a->session_token, {A, 1, std::nullopt})),
            coord_errc::no_exit_available);
  EXPECT_EQ(cl.request("POST", "/api/v1/match", to_json(wire::MatchRequest{A, 1, std::nullopt}),
                       a->session_token)
                ->status,
            503);
  // admission.insufficient_cohort: an exit exists, floor 3 not met.
  const auto inv_e = invite(db, 1);
  ASSERT_TRUE(enroll(cl, reg(E, inv_e, true, 10)).ok());
  EXPECT_EQ(code_of(cl.match(a->session_token, {A, 1, std::nullopt})),
            coord_errc::insufficient_cohort);
  // multi-hop needs two exits
  EXPECT_EQ(code_of(cl.match(a->session_token, {A, 2, std::nullopt})),
            coord_errc::no_exit_available);

  // token.invalid: no token, garbage, someone else's token, a forged token.
  EXPECT_EQ(code_of(cl.heartbeat("", {A, false, std::nullopt})), coord_errc::token_invalid);
  EXPECT_EQ(code_of(cl.heartbeat("v4.public.garbage", {A, false, std::nullopt})),
            coord_errc::token_invalid);
  auto b_ack = enroll(cl, reg(B, inv2));
  ASSERT_TRUE(b_ack.ok());
  EXPECT_EQ(code_of(cl.heartbeat(b_ack->session_token, {A, false, std::nullopt})),
            coord_errc::token_invalid);
  auto forger = SigningKey::from(paseto::V4SecretKey::generate());
  SessionClaims fc;
  fc.sub = A;
  fc.iat = fc.nbf = SystemClock().wall();
  fc.exp = fc.iat + 1h;
  forger.pid = signing_key(db).pid;  // claims to be the coordinator's key
  EXPECT_EQ(code_of(cl.heartbeat(mint_session_token(forger, fc), {A, false, std::nullopt})),
            coord_errc::token_invalid);
  EXPECT_EQ(cl.request("POST", "/api/v1/heartbeat",
                       to_json(wire::HeartbeatRequest{A, false, std::nullopt}), "x")
                ->status,
            401);

  // token.expired: signed by the coordinator's real key, but past exp.
  SessionClaims ec = fc;
  ec.iat = ec.nbf = SystemClock().wall() - 2h;
  ec.exp = SystemClock().wall() - 1h;
  const auto expired = mint_session_token(signing_key(db), ec);
  EXPECT_EQ(code_of(cl.heartbeat(expired, {A, false, std::nullopt})), coord_errc::token_expired);
  EXPECT_EQ(cl.request("POST", "/api/v1/heartbeat",
                       to_json(wire::HeartbeatRequest{A, false, std::nullopt}), expired)
                ->status,
            401);

  // heartbeat works; refresh returns a new token that verifies.
  auto hb = cl.heartbeat(a->session_token, {A, false, std::nullopt});
  ASSERT_TRUE(hb.ok()) << hb.error().message();
  EXPECT_FALSE(hb->session_token.has_value());
  auto hb2 = cl.heartbeat(a->session_token, {A, true, std::nullopt});
  ASSERT_TRUE(hb2.ok());
  ASSERT_TRUE(hb2->session_token.has_value());
  EXPECT_TRUE(verify_peer_token(*hb2->session_token, pub, A, SystemClock().wall()).ok());

  // bad bodies and paths
  auto bad = cl.request("POST", "/api/v1/heartbeat", "{not json", a->session_token);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad->body)["code"], "request.invalid");
  EXPECT_EQ(cl.request("POST", "/api/v1/register", "{\"peer_id\":\"short\"}")->status, 400);
  EXPECT_EQ(cl.request("GET", "/api/v1/nope", "")->status, 404);
  EXPECT_EQ(cl.request("GET", "/api/v1/register", "")->status, 404);
  EXPECT_EQ(cl.request("POST", "/api/v1/register", std::string(100 * 1024, 'x'))->status, 413);

  // disconnect: 200, then the token is refused.
  ASSERT_TRUE(cl.disconnect(b_ack->session_token, {B, "test", std::nullopt}).ok());
  EXPECT_EQ(code_of(cl.heartbeat(b_ack->session_token, {B, false, std::nullopt})),
            coord_errc::token_invalid);

  // /metrics counts what happened, in Prometheus text format.
  auto m = cl.request("GET", "/metrics", "");
  ASSERT_TRUE(m.ok());
  for (const char* s :
       {"wl_coord_errors_total{code=\"invite.exhausted\"} 1",
        "wl_coord_errors_total{code=\"invite.expired\"} 2",
        "wl_coord_errors_total{code=\"token.expired\"} 2",
        "wl_coord_errors_total{code=\"match.no_exit_available\"}",
        "wl_coord_errors_total{code=\"admission.insufficient_cohort\"} 1",
        "# TYPE wl_coord_peers gauge", "wl_coord_exits 1", "wl_coord_peers_pending 1"})
    EXPECT_NE(m->body.find(s), std::string::npos) << s << "\n" << m->body;
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}

TEST_F(ApiTest, PerPeerRateLimit) {
  const auto inv = invite(db, 5);
  ServerProcess srv(dir.path(), db, {"--rate-peer", "0.001", "--rate-peer-burst", "2"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto A = new_key();
  auto a = enroll(cl, reg(A, inv));  // 1
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(cl.heartbeat(a->session_token, {A, false, std::nullopt}).ok());  // 2
  EXPECT_EQ(code_of(cl.heartbeat(a->session_token, {A, false, std::nullopt})),
            coord_errc::rate_limited);
  auto raw = cl.request("POST", "/api/v1/heartbeat",
                        to_json(wire::HeartbeatRequest{A, false, std::nullopt}), a->session_token);
  EXPECT_EQ(raw->status, 429);
  EXPECT_EQ(nlohmann::json::parse(raw->body)["code"], "rate.limited");
  // Another peer from the same address is not affected by A's limit.
  const auto B = new_key();
  EXPECT_TRUE(enroll(cl, reg(B, inv)).ok());
}

TEST_F(ApiTest, PerIpRateLimit) {
  const auto inv = invite(db, 5);
  ServerProcess srv(dir.path(), db, {"--rate-ip", "0.001", "--rate-ip-burst", "3"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(enroll(cl, reg(new_key(), inv)).ok()) << i;
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), inv))), coord_errc::rate_limited);
  // Health endpoints are not rate limited.
  EXPECT_EQ(cl.request("GET", "/healthz", "")->status, 200);
  auto m = cl.request("GET", "/metrics", "");
  EXPECT_NE(m->body.find("wl_coord_rate_limited_total{scope=\"ip\"} 1"), std::string::npos)
      << m->body;
}

TEST_F(ApiTest, TlsWithCertificateAndKey) {
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj "
      "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "openssl CLI not available";
  // Mismatched flags are a usage error.
  EXPECT_EQ(run_cli({"serve", "--tls-cert", cert, "--db", db}).first, 2);
  const auto inv = invite(db, 2);
  ServerProcess srv(dir.path(), db, {"--tls-cert", cert, "--tls-key", key});
  ASSERT_TRUE(srv.running());
  const std::string https = "https://127.0.0.1:" + std::to_string(srv.port());
  CoordinatorClient cl({https, 5s, 2s, cert});
  const auto A = new_key();
  auto a = enroll(cl, reg(A, inv));
  ASSERT_TRUE(a.ok()) << a.error().message();
  EXPECT_TRUE(verify_peer_token(a->session_token, pub, A, SystemClock().wall()).ok());
  EXPECT_TRUE(cl.heartbeat(a->session_token, {A, false, std::nullopt}).ok());
  EXPECT_EQ(code_of(cl.heartbeat("bogus", {A, false, std::nullopt})), coord_errc::token_invalid);
  // The event stream works over TLS too (stopped right after it connects).
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    eventually([&] {
      auto m = cl.request("GET", "/metrics", "");
      return m.ok() && m->body.find("wl_coord_event_subscribers 1") != std::string::npos;
    });
    stop = true;
  });
  auto ev = follow_events(
      ClientOptions{https, 5s, 2s, cert}, a->session_token, [](const wire::Event&) {}, stop);
  stopper.join();
  EXPECT_TRUE(ev.ok()) << ev.error().message();
  // Without trusting the certificate, or speaking plain HTTP, nothing gets through.
  CoordinatorClient untrusted({https, 5s, 2s});
  EXPECT_FALSE(enroll(untrusted, reg(new_key(), inv)).ok());
  CoordinatorClient plain({"http://127.0.0.1:" + std::to_string(srv.port()), 5s, 2s});
  EXPECT_FALSE(enroll(plain, reg(new_key(), inv)).ok());
  EXPECT_EQ(srv.stop(SIGTERM), 0);
}
