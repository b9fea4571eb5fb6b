// Store: the coordinator's durable state in SQLite (WAL): key ring, invites and their
// redemption ledger, peers, live cohorts.
//
// Contract: one Store per thread (the server's io thread; the CLI opens its own). Every
// mutating call is one transaction, committed before it returns, so a kill -9 after a reply
// loses nothing that reply promised (WAL + synchronous=NORMAL survives process death; use
// --sync full for power loss too). Other processes (`invite create`) may write concurrently;
// a 5 s busy timeout covers them. Errors: Result with coord_errc::internal and SQLite's text,
// or the invite codes from redeem().
#pragma once

#include <sqlite3.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "admission.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/coordinator/invite.hpp"

namespace wl::coordinator::server {

struct StoredKey {
  std::string pid;
  std::string secret;  // k4.secret PASERK (the DB file is mode 0600 in a private StateDirectory)
  bool active = false;
  long long created_at = 0;
};

struct StoredPeer {
  PeerInfo info;
  std::string state;  // "registered" | "disconnected"
  // Bumped by every disconnect; session tokens carry the generation they were minted in, so
  // tokens from before a disconnect stay invalid after the peer registers again.
  std::uint64_t generation = 0;
};

struct StoredInvite {
  std::string code;  // the invite's id (its signed code; useless without the signature)
  long long issued_at = 0;
  std::optional<long long> expires_at;
  int max_uses = 0, uses = 0;
};

struct StoredCohort {
  Cohort cohort;
  std::map<PublicKey, Assignment> members;
};

class Store {
 public:
  static Result<Store> open(const std::string& path, bool sync_full = false);
  Store(Store&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Store& operator=(Store&&) = delete;
  Store(const Store&) = delete;
  ~Store();

  Result<void> add_key(const StoredKey& k);  // makes it the only active key if k.active
  Result<std::vector<StoredKey>> keys();

  Result<void> add_invite(const Invite& inv, int max_uses);
  // Records that `peer` redeemed `code`. Idempotent per (code, peer). Errors: invite_invalid
  // (unknown code), invite_exhausted.
  Result<void> redeem(const std::string& code, const std::string& peer, long long now);
  Result<int> invite_uses(const std::string& code);
  Result<std::vector<StoredInvite>> invites();  // oldest first
  // Removes an invite from the ledger: later redemptions fail as invite_invalid; peers that
  // redeemed it stay registered. Error not_found for an unknown code.
  Result<void> revoke_invite(const std::string& code);

  Result<void> put_peer(const PeerInfo& p, const std::string& state, long long now);
  // State "disconnected" and generation + 1, in one statement.
  Result<void> disconnect_peer(const PublicKey& k);
  Result<std::vector<StoredPeer>> peers();
  Result<void> touch(const std::vector<std::pair<PublicKey, long long>>& seen);

  Result<void> put_cohort(const Cohort& c, const std::map<PublicKey, Assignment>& members);
  Result<void> drop_cohort(const std::string& id);
  Result<std::vector<StoredCohort>> cohorts();

  bool healthy();

 private:
  explicit Store(sqlite3* db) : db_(db) {}
  Result<void> exec(const char* sql);
  Result<void> migrate();
  sqlite3* db_ = nullptr;
};

}  // namespace wl::coordinator::server
