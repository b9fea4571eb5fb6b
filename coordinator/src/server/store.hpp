// Store: the coordinator's durable state (key ring, invites and their redemption ledger,
// peers, live cohorts) in one of two engines, chosen by the --db value: a file path is SQLite
// (WAL, the embedded default), a postgres:// or postgresql:// URL is PostgreSQL through libpq
// (several replicas may share one database).
//
// Contract: one Store per thread (the server's io thread; the CLI opens its own). Every
// mutating call is one transaction, committed before it returns, so a kill -9 after a reply
// loses nothing that reply promised. Other processes (`invite create`, other replicas) may
// write concurrently: SQLite waits up to 5 s for them, PostgreSQL locks the rows it changes
// (redeem() takes the invite's row FOR UPDATE, so concurrent redemptions on any replica
// never exceed `max_uses`). open() applies the engine's versioned schema migrations (under
// pg_advisory_lock on PostgreSQL) and refuses a database whose schema is newer than this
// binary. Errors: Result with coord_errc::internal and the engine's text, or the invite
// codes from redeem().
#pragma once

#include <map>
#include <memory>
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

struct StoredCohort {
  Cohort cohort;
  std::map<PublicKey, Assignment> members;
};

// One invite as the ledger holds it, with the peers that redeemed it (for `migrate`).
struct StoredInvite {
  std::string code;
  std::string issuer;
  long long issued_at = 0;
  std::optional<long long> expires_at;
  int max_uses = 0;
  int uses = 0;
  std::vector<std::pair<std::string, long long>> redemptions;  // peer id, when
};

// A peer row as stored, for `migrate` (peers() gives the admission view).
struct PeerRow {
  StoredPeer peer;
  long long registered_at = 0;
  long long last_seen = 0;
};

// What an engine implements; Store forwards to it. Each method has Store's contract.
class StoreEngine {
 public:
  virtual ~StoreEngine() = default;
  virtual Result<void> add_key(const StoredKey& k) = 0;
  virtual Result<std::vector<StoredKey>> keys() = 0;
  virtual Result<void> add_invite(const Invite& inv, int max_uses) = 0;
  virtual Result<void> redeem(const std::string& code, const std::string& peer, long long now) = 0;
  virtual Result<int> invite_uses(const std::string& code) = 0;
  virtual Result<std::vector<StoredInvite>> invites() = 0;
  virtual Result<void> import_invite(const StoredInvite& inv) = 0;
  virtual Result<void> revoke_invite(const std::string& code) = 0;
  virtual Result<void> put_peer(const PeerInfo& p, const std::string& state, long long now) = 0;
  virtual Result<void> disconnect_peer(const PublicKey& k) = 0;
  virtual Result<std::vector<PeerRow>> peer_rows() = 0;
  virtual Result<void> import_peer(const PeerRow& p) = 0;
  virtual Result<void> touch(const std::vector<std::pair<PublicKey, long long>>& seen) = 0;
  virtual Result<void> put_cohort(const Cohort& c,
                                  const std::map<PublicKey, Assignment>& members) = 0;
  virtual Result<void> drop_cohort(const std::string& id) = 0;
  virtual Result<std::vector<StoredCohort>> cohorts() = 0;
  virtual bool healthy() = 0;
  virtual int schema_version() = 0;
};

class Store {
 public:
  static bool is_postgres_url(const std::string& db);
  // `db` is a file path (SQLite) or a postgres:// URL; sync_full applies to SQLite only
  // (PostgreSQL's own synchronous_commit decides there).
  static Result<Store> open(const std::string& db, bool sync_full = false);
  explicit Store(std::unique_ptr<StoreEngine> e) : e_(std::move(e)) {}

  Result<void> add_key(const StoredKey& k) {
    return e_->add_key(k);
  }  // the only active one if k.active
  Result<std::vector<StoredKey>> keys() { return e_->keys(); }

  Result<void> add_invite(const Invite& inv, int max_uses) { return e_->add_invite(inv, max_uses); }
  // Records that `peer` redeemed `code`. Idempotent per (code, peer). Errors: invite_invalid
  // (unknown code), invite_exhausted.
  Result<void> redeem(const std::string& code, const std::string& peer, long long now) {
    return e_->redeem(code, peer, now);
  }
  Result<int> invite_uses(const std::string& code) { return e_->invite_uses(code); }
  Result<std::vector<StoredInvite>> invites() { return e_->invites(); }  // oldest first
  // Removes an invite from the ledger: later redemptions fail as invite_invalid; peers that
  // redeemed it stay registered. Error not_found for an unknown code.
  Result<void> revoke_invite(const std::string& code) { return e_->revoke_invite(code); }
  // Inserts the invite and its redemptions; an invite already there keeps its row with uses
  // raised to inv.uses if that is more (idempotent, never hands uses back).
  Result<void> import_invite(const StoredInvite& inv) { return e_->import_invite(inv); }

  Result<void> put_peer(const PeerInfo& p, const std::string& state, long long now) {
    return e_->put_peer(p, state, now);
  }
  // State "disconnected" and generation + 1, in one statement.
  Result<void> disconnect_peer(const PublicKey& k) { return e_->disconnect_peer(k); }
  Result<std::vector<StoredPeer>> peers();
  Result<std::vector<PeerRow>> peer_rows() { return e_->peer_rows(); }
  // Inserts the peer row as it is, or leaves an existing one (idempotent).
  Result<void> import_peer(const PeerRow& p) { return e_->import_peer(p); }
  Result<void> touch(const std::vector<std::pair<PublicKey, long long>>& seen) {
    return e_->touch(seen);
  }

  Result<void> put_cohort(const Cohort& c, const std::map<PublicKey, Assignment>& members) {
    return e_->put_cohort(c, members);
  }
  Result<void> drop_cohort(const std::string& id) { return e_->drop_cohort(id); }
  Result<std::vector<StoredCohort>> cohorts() { return e_->cohorts(); }

  // A round trip to the database; PostgreSQL reconnects here after an outage.
  bool healthy() { return e_->healthy(); }
  int schema_version() { return e_->schema_version(); }

 private:
  std::unique_ptr<StoreEngine> e_;
};

// Helpers both engines share: times as whole seconds, a member's relay path as a JSON array.
long long db_secs(WallTime t);
WallTime from_db_secs(long long s);
std::string path_to_json(const std::vector<PublicKey>& path);
std::optional<std::vector<PublicKey>> path_from_json(const std::string& text);

// The refusal both engines give for a schema newer than the binary's migrations.
Result<void> check_schema_version(const char* engine, int found, int known);

}  // namespace wl::coordinator::server
