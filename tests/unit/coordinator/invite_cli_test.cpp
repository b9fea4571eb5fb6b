// `wirelink-coordinator invite list` and `invite revoke ID` against a real database and server:
// the ledger lists each invite with its uses, and a revoked invite can no longer be redeemed
// while the peer that already redeemed one stays registered.
#include "test_support.hpp"
#include "wirelink/coordinator/invite.hpp"

using namespace wl;
using namespace wl::test;
using namespace wl::coordinator;

namespace {
std::string code_in(const std::string& text) {
  auto inv = decode_invite(text);
  EXPECT_TRUE(inv.ok());
  return inv ? inv->code : std::string();
}
// The ledger line of `code`, "" when it is not listed.
std::string line_of(const std::string& listing, const std::string& code) {
  const auto at = listing.find(code + "\t");
  return at == std::string::npos ? "" : listing.substr(at, listing.find('\n', at) - at);
}
}  // namespace

TEST(InviteCli, ListShowsUsesAndRevokeStopsRedemption) {
  TempDir dir;
  const std::string db = dir.path() + "/c.db";
  keygen(db);
  const auto used = invite(db, 1), spare = invite(db, 3, "0");
  ServerProcess srv(dir.path(), db, {});
  ASSERT_TRUE(srv.running());
  CoordinatorClient cl({srv.url()});
  const auto A = new_key(), B = new_key();
  ASSERT_TRUE(enroll(cl, reg(A, used, false, 0)).ok());

  auto [rc, list] = run_cli({"invite", "list", "--db", db});
  ASSERT_EQ(rc, 0);
  EXPECT_EQ(list.rfind("ID\tISSUED\tEXPIRES\tUSES\tSTATE\n", 0), 0u) << list;
  EXPECT_NE(line_of(list, code_in(used)).find("\t1/1\tused up"), std::string::npos) << list;
  EXPECT_NE(line_of(list, code_in(spare)).find("\tnever\t0/3\topen"), std::string::npos) << list;

  auto [rrc, rout] = run_cli({"invite", "revoke", code_in(spare), "--db", db});
  EXPECT_EQ(rrc, 0) << rout;
  std::tie(rc, list) = run_cli({"invite", "list", "--db", db});
  EXPECT_EQ(line_of(list, code_in(spare)), "") << list;
  EXPECT_NE(line_of(list, code_in(used)), "") << list;
  EXPECT_EQ(code_of(enroll(cl, reg(B, spare, false, 0))), coord_errc::invite_invalid);
  // A, who redeemed an invite before, re-registers without one.
  EXPECT_TRUE(enroll(cl, reg(A, "", false, 0)).ok());
  // Unknown IDs and a missing ID are errors.
  EXPECT_EQ(run_cli({"invite", "revoke", code_in(spare), "--db", db}).first, 1);
  EXPECT_EQ(run_cli({"invite", "revoke", "--db", db}).first, 2);
}
