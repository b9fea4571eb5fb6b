// SQLite WAL durability: kill -9 the coordinator and restart it on the same database; keys,
// peers, invite ledger and live cohorts are all still there.
#include "test_support.hpp"
#include "wirelink/coordinator/peer_admission.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;

TEST(CoordinatorDurability, KillNineAndRestartLosesNothing) {
  TempDir dir;
  const std::string db = test_db(dir);
  const auto pub = keygen(db);
  const auto inv5 = invite(db, 5);
  const auto inv1 = invite(db, 1);
  const auto E = new_key(), A = new_key(), B = new_key(), D = new_key();
  std::string ta, tb, cohort;
  {
    ServerProcess srv(dir.path(), db, {"--floor", "2", "--dev", "--match-wait", "0"});
    ASSERT_TRUE(srv.running());
    CoordinatorClient cl({srv.url()});
    ASSERT_TRUE(enroll(cl, reg(E, inv5, true, 10)).ok());
    ta = enroll(cl, reg(A, inv5))->session_token;
    tb = enroll(cl, reg(B, inv5))->session_token;
    ASSERT_TRUE(enroll(cl, reg(D, inv1)).ok());
    EXPECT_EQ(code_of(cl.match(ta, {A, 1, std::nullopt})), coord_errc::insufficient_cohort);
    auto mb = cl.match(tb, {B, 1, std::nullopt});
    ASSERT_TRUE(mb.ok());
    cohort = mb->cohort;
    EXPECT_EQ(srv.stop(SIGKILL), 128 + SIGKILL);
  }
  ServerProcess srv(dir.path(), db, {"--floor", "2", "--dev", "--match-wait", "0"});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  // Same key ring: old tokens still verify, and the public key is unchanged.
  EXPECT_EQ(trim(run_cli({"pubkey", "--db", db}).second), pub);
  ASSERT_TRUE(cl.heartbeat(ta, {A, false, std::nullopt}).ok());
  // The live cohort survived.
  auto ma = cl.match(ta, {A, 1, std::nullopt});
  ASSERT_TRUE(ma.ok()) << ma.error().message();
  EXPECT_EQ(ma->cohort, cohort);
  EXPECT_TRUE(verify_peer_token(ma->session_token, pub, A, SystemClock().wall()).ok());
  // The ledger survived: the 1-use invite is spent, the 5-use one has exactly 2 uses left.
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), inv1))), coord_errc::invite_exhausted);
  EXPECT_TRUE(enroll(cl, reg(D, inv1)).ok());  // D itself may come back
  EXPECT_TRUE(enroll(cl, reg(new_key(), inv5)).ok());
  EXPECT_TRUE(enroll(cl, reg(new_key(), inv5)).ok());
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), inv5))), coord_errc::invite_exhausted);
  auto m = cl.request("GET", "/metrics", "");
  EXPECT_NE(m->body.find("wl_coord_peers 6"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("wl_coord_cohorts_live 1"), std::string::npos);
}
