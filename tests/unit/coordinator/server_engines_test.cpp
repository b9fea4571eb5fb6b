// What each storage engine must do beyond the API suite: several replicas on one database
// never over-redeem an invite, `migrate` carries everything tokens and invites depend on, and
// a database newer than the binary is refused. Runs on SQLite (label unit) and, under
// tests/pg/with_pg.sh, on PostgreSQL (label pg): test_db() picks the engine.
#include <sqlite3.h>

#include <atomic>

#include "test_support.hpp"
#include "wirelink/coordinator/invite.hpp"
#include "wirelink/coordinator/peer_admission.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;

namespace {

// Marks the database as written by a future binary (schema version 99), in each engine's way.
void bump_schema(const std::string& db) {
  if (coordinator::server::Store::is_postgres_url(db)) {
    PGconn* c = PQconnectdb(db.c_str());
    PGresult* r = PQexec(c, "INSERT INTO wl_schema(version) VALUES(99)");
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
    PQclear(r);
    PQfinish(c);
    return;
  }
  sqlite3* s = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &s), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(s, "PRAGMA user_version=99", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(s);
}

int uses_of(const std::string& db, const std::string& inv) {
  auto s = coordinator::server::Store::open(db);
  EXPECT_TRUE(s.ok());
  auto u = s->invite_uses(decode_invite(inv).value().code);
  EXPECT_TRUE(u.ok());
  return u.ok() ? *u : -1;
}

}  // namespace

TEST(StoreEngines, NewerSchemaIsRefusedWithAClearError) {
  TempDir dir;
  const auto db = test_db(dir);
  keygen(db);
  bump_schema(db);
  auto s = coordinator::server::Store::open(db);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("newer than this wirelink-coordinator"), std::string::npos)
      << s.error().message();
  EXPECT_EQ(run_cli({"pubkey", "--db", db}).first, 1);
}

// Three replicas on one database, 50 concurrent redemptions of a 1-use invite spread over
// them: exactly one is admitted, every other one is told the invite is spent.
TEST(StoreEngines, ThreeReplicasRedeemAOneUseInviteOnce) {
  TempDir dir;
  const auto db = test_db(dir);
  keygen(db);
  const auto inv = invite(db, 1);
  const std::vector<std::string> extra = {"--rate-fail", "0", "--rate-ip", "0"};
  ServerProcess a(dir.path(), db, extra), b(dir.path(), db, extra), c(dir.path(), db, extra);
  ASSERT_TRUE(a.running() && b.running() && c.running());
  const std::string urls[] = {a.url(), b.url(), c.url()};
  std::atomic<int> ok{0}, exhausted{0}, other{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 50; ++i)
    ts.emplace_back([&, i] {
      CoordinatorClient cl({urls[i % 3]});
      auto r = enroll(cl, reg(new_key(), inv));
      if (r.ok())
        ++ok;
      else if (r.error().code == make_error_code(coord_errc::invite_exhausted))
        ++exhausted;
      else
        ++other;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 1);
  EXPECT_EQ(exhausted.load(), 49);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(uses_of(db, inv), 1);
}

// migrate from a populated SQLite file: keys, invites with their remaining uses, the ledger
// and peers arrive; a token issued before still verifies on a server running on the copy;
// running it again changes nothing.
TEST(StoreEngines, MigrateCarriesKeysInvitesAndPeersIdempotently) {
  TempDir dir;
  const std::string src = dir.path() + "/src.db";
  const auto dst = test_db(dir, "dst");
  const auto pub = keygen(src);
  const auto inv3 = invite(src, 3), inv1 = invite(src, 1);
  const auto A = new_key(), B = new_key();
  std::string ta;
  {
    ServerProcess srv(dir.path(), src, {});
    ASSERT_TRUE(srv.running());
    CoordinatorClient cl({srv.url()});
    auto ra = enroll(cl, reg(A, inv3));
    ASSERT_TRUE(ra.ok());
    ta = ra->session_token;
    ASSERT_TRUE(enroll(cl, reg(B, inv1)).ok());
  }
  auto first = run_cli({"migrate", "--from", src, "--to", dst});
  EXPECT_EQ(first.first, 0);
  EXPECT_EQ(trim(first.second), "migrated keys=1 invites=2 redemptions=2 peers=2");
  auto again = run_cli({"migrate", "--from", src, "--to", dst});
  EXPECT_EQ(again, first);
  EXPECT_EQ(trim(run_cli({"pubkey", "--db", dst}).second), pub);
  EXPECT_EQ(uses_of(dst, inv3), 1);
  EXPECT_EQ(uses_of(dst, inv1), 1);

  ServerProcess srv(dir.path(), dst, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  EXPECT_TRUE(cl.heartbeat(ta, {A, false, std::nullopt}).ok());
  EXPECT_TRUE(verify_peer_token(ta, pub, A, SystemClock().wall()).ok());
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), inv1))), coord_errc::invite_exhausted);
  EXPECT_TRUE(enroll(cl, reg(B, inv1)).ok());  // B's own redemption came along
  EXPECT_TRUE(enroll(cl, reg(new_key(), inv3)).ok());
  EXPECT_TRUE(enroll(cl, reg(new_key(), inv3)).ok());
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), inv3))), coord_errc::invite_exhausted);
}

namespace {

// pg_ctl on the server tests/pg/with_pg.sh started, as the user that owns it.
int pg_ctl(const std::string& action) {
  const std::string host = std::getenv("WL_TEST_PG_HOST");
  const std::string as =
      ::geteuid() == 0 ? std::string("runuser -u ") + std::getenv("WL_TEST_PG_USER") + " -- " : "";
  const std::string cmd = as + std::getenv("WL_TEST_PG_BIN") + "/pg_ctl -D " +
                          std::getenv("WL_TEST_PG_DATA") + " -w -m fast -l " + host +
                          "/server.log -o \"-k " + host +
                          " -c listen_addresses='' -c fsync=off -c max_connections=200\" " +
                          action + " >/dev/null 2>&1";
  return std::system(cmd.c_str());
}

int status_of(CoordinatorClient& cl, const char* path) {
  auto r = cl.request("GET", path, "");
  return r.ok() ? r->status : -1;
}

}  // namespace

// PostgreSQL stopped for 10 s under a running replica: /readyz says 503 and registrations fail
// with `internal` instead of hanging; the replica keeps running and is ready again by itself
// once the database is back, without a restart.
TEST(StoreEngines, ReadyzFollowsThePostgresOutage) {
  if (!std::getenv("WL_TEST_PG_HOST")) GTEST_SKIP() << "PostgreSQL only (label pg)";
  TempDir dir;
  const auto db = test_db(dir);
  keygen(db);
  const auto inv = invite(db, 10);
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  ASSERT_EQ(status_of(cl, "/readyz"), 200);
  ASSERT_TRUE(enroll(cl, reg(new_key(), inv)).ok());

  ASSERT_EQ(pg_ctl("stop"), 0);
  const auto down = std::chrono::steady_clock::now();
  EXPECT_EQ(status_of(cl, "/readyz"), 503);
  EXPECT_EQ(code_of(enroll(cl, reg(new_key(), inv))), coord_errc::internal);
  EXPECT_EQ(status_of(cl, "/healthz"), 200);  // the process itself is fine
  std::this_thread::sleep_until(down + std::chrono::seconds(10));
  EXPECT_EQ(status_of(cl, "/readyz"), 503);
  ASSERT_EQ(pg_ctl("start"), 0);

  EXPECT_TRUE(eventually([&] { return status_of(cl, "/readyz") == 200; }, 30));
  EXPECT_TRUE(enroll(cl, reg(new_key(), inv)).ok());
  EXPECT_EQ(uses_of(db, inv), 2);  // the failed registration used nothing
}
