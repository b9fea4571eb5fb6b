#include "pg_store.hpp"

#include <libpq-fe.h>

#include <optional>

#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator::server {
namespace {

// The advisory lock key that serializes schema migrations across replicas ("wlmigr").
constexpr long long kMigrationLock = 0x776c6d696772;

// Migration N (1-based) brings the schema from version N-1 to N. Append only.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE keys(pid TEXT PRIMARY KEY, secret TEXT NOT NULL, active INTEGER NOT NULL,
  created_at BIGINT NOT NULL);
CREATE TABLE invites(code TEXT PRIMARY KEY, issuer TEXT NOT NULL, issued_at BIGINT NOT NULL,
  expires_at BIGINT, max_uses INTEGER NOT NULL, uses INTEGER NOT NULL DEFAULT 0);
CREATE TABLE redemptions(code TEXT NOT NULL, peer_id TEXT NOT NULL, at BIGINT NOT NULL,
  PRIMARY KEY(code, peer_id));
CREATE TABLE peers(peer_id TEXT PRIMARY KEY, addr_hint TEXT NOT NULL, can_exit INTEGER NOT NULL,
  capacity INTEGER NOT NULL, state TEXT NOT NULL, registered_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL, generation BIGINT NOT NULL DEFAULT 0);
CREATE TABLE cohorts(id TEXT PRIMARY KEY, exit TEXT NOT NULL, created_at BIGINT NOT NULL,
  rotate_at BIGINT NOT NULL);
CREATE TABLE cohort_members(cohort TEXT NOT NULL, peer_id TEXT NOT NULL, path TEXT NOT NULL,
  PRIMARY KEY(cohort, peer_id));
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

using Param = std::optional<std::string>;  // nullopt is SQL NULL

// A query result that clears itself.
class Rows {
 public:
  explicit Rows(PGresult* r) : r_(r) {}
  Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;
  ~Rows() { PQclear(r_); }
  ExecStatusType status() const { return PQresultStatus(r_); }
  int size() const { return PQntuples(r_); }
  std::string text(int row, int col) const { return PQgetvalue(r_, row, col); }
  long long integer(int row, int col) const { return std::stoll(PQgetvalue(r_, row, col)); }
  bool null(int row, int col) const { return PQgetisnull(r_, row, col) != 0; }

 private:
  PGresult* r_;
};

std::string num(long long v) {
  return std::to_string(v);
}

class PgStore final : public StoreEngine {
 public:
  explicit PgStore(PGconn* c) : c_(c) {}
  ~PgStore() override { PQfinish(c_); }
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  Result<void> migrate();

  Result<void> add_key(const StoredKey& k) override {
    return in_tx([&]() -> Result<void> {
      if (k.active)
        if (auto r = q("UPDATE keys SET active=0"); !r) return r.error();
      auto r =
          q("INSERT INTO keys(pid, secret, active, created_at) VALUES($1,$2,$3,$4) "
            "ON CONFLICT(pid) DO UPDATE SET secret=excluded.secret, active=excluded.active",
            {k.pid, k.secret, num(k.active ? 1 : 0), num(k.created_at)});
      if (!r) return r.error();
      return {};
    });
  }

  Result<std::vector<StoredKey>> keys() override {
    auto r = q("SELECT pid, secret, active, created_at FROM keys ORDER BY created_at");
    if (!r) return r.error();
    std::vector<StoredKey> out;
    out.reserve(static_cast<std::size_t>(r->size()));
    for (int i = 0; i < r->size(); ++i)
      out.push_back(
          StoredKey{r->text(i, 0), r->text(i, 1), r->integer(i, 2) != 0, r->integer(i, 3)});
    return out;
  }

  Result<void> add_invite(const Invite& inv, int max_uses) override {
    Param exp;
    if (inv.expires_at) exp = num(db_secs(*inv.expires_at));
    auto r =
        q("INSERT INTO invites(code, issuer, issued_at, expires_at, max_uses) "
          "VALUES($1,$2,$3,$4,$5)",
          {inv.code, inv.issuer, num(db_secs(inv.issued_at)), exp, num(max_uses)});
    if (!r) return r.error();
    return {};
  }

  // The invite's row is locked FOR UPDATE for the whole transaction, so redemptions of one
  // invite on any number of replicas run one after another and never pass max_uses.
  Result<void> redeem(const std::string& code, const std::string& peer, long long now) override {
    return in_tx([&]() -> Result<void> {
      auto inv = q("SELECT max_uses, uses FROM invites WHERE code=$1 FOR UPDATE", {code});
      if (!inv) return inv.error();
      if (inv->size() == 0)
        return Error{coord_errc::invite_invalid, "invite is not in this coordinator's ledger"};
      auto seen = q("SELECT 1 FROM redemptions WHERE code=$1 AND peer_id=$2", {code, peer});
      if (!seen) return seen.error();
      if (seen->size() > 0) return {};  // the same peer re-registering
      if (inv->integer(0, 1) >= inv->integer(0, 0))
        return Error{coord_errc::invite_exhausted, "invite has no remaining uses"};
      if (auto r = q("UPDATE invites SET uses=uses+1 WHERE code=$1", {code}); !r) return r.error();
      auto r =
          q("INSERT INTO redemptions(code, peer_id, at) VALUES($1,$2,$3)", {code, peer, num(now)});
      if (!r) return r.error();
      return {};
    });
  }

  Result<int> invite_uses(const std::string& code) override {
    auto r = q("SELECT uses FROM invites WHERE code=$1", {code});
    if (!r) return r.error();
    if (r->size() == 0) return Error{coord_errc::not_found, "no such invite"};
    return static_cast<int>(r->integer(0, 0));
  }

  Result<std::vector<StoredInvite>> invites() override {
    auto r =
        q("SELECT code, issuer, issued_at, expires_at, max_uses, uses FROM invites "
          "ORDER BY issued_at, code");
    if (!r) return r.error();
    std::vector<StoredInvite> out;
    std::map<std::string, std::size_t> at;
    for (int i = 0; i < r->size(); ++i) {
      StoredInvite v{r->text(i, 0),
                     r->text(i, 1),
                     r->integer(i, 2),
                     std::nullopt,
                     static_cast<int>(r->integer(i, 4)),
                     static_cast<int>(r->integer(i, 5)),
                     {}};
      if (!r->null(i, 3)) v.expires_at = r->integer(i, 3);
      at[v.code] = out.size();
      out.push_back(std::move(v));
    }
    auto red = q("SELECT code, peer_id, at FROM redemptions");
    if (!red) return red.error();
    for (int i = 0; i < red->size(); ++i)
      if (auto it = at.find(red->text(i, 0)); it != at.end())
        out[it->second].redemptions.emplace_back(red->text(i, 1), red->integer(i, 2));
    return out;
  }

  Result<void> revoke_invite(const std::string& code) override {
    auto r = q("DELETE FROM invites WHERE code=$1 RETURNING code", {code});
    if (!r) return r.error();
    if (r->size() == 0) return Error{coord_errc::not_found, "no such invite"};
    return {};
  }

  Result<void> import_invite(const StoredInvite& inv) override {
    return in_tx([&]() -> Result<void> {
      Param exp;
      if (inv.expires_at) exp = num(*inv.expires_at);
      auto r =
          q("INSERT INTO invites(code, issuer, issued_at, expires_at, max_uses, uses) "
            "VALUES($1,$2,$3,$4,$5,$6) "
            "ON CONFLICT(code) DO UPDATE SET uses=GREATEST(invites.uses, excluded.uses)",
            {inv.code, inv.issuer, num(inv.issued_at), exp, num(inv.max_uses), num(inv.uses)});
      if (!r) return r.error();
      for (const auto& [peer, when] : inv.redemptions)
        if (auto x = q("INSERT INTO redemptions(code, peer_id, at) VALUES($1,$2,$3) "
                       "ON CONFLICT DO NOTHING",
                       {inv.code, peer, num(when)});
            !x)
          return x.error();
      return {};
    });
  }

  Result<void> put_peer(const PeerInfo& p, const std::string& state, long long now) override {
    auto r =
        q("INSERT INTO peers(peer_id, addr_hint, can_exit, capacity, state, registered_at, "
          "last_seen) VALUES($1,$2,$3,$4,$5,$6,$6) ON CONFLICT(peer_id) DO UPDATE SET "
          "addr_hint=excluded.addr_hint, can_exit=excluded.can_exit, "
          "capacity=excluded.capacity, state=excluded.state, last_seen=excluded.last_seen",
          {p.key.to_base64(), p.addr_hint, num(p.can_exit ? 1 : 0), num(p.capacity), state,
           num(now)});
    if (!r) return r.error();
    return {};
  }

  Result<void> disconnect_peer(const PublicKey& k) override {
    auto r = q("UPDATE peers SET state='disconnected', generation=generation+1 WHERE peer_id=$1",
               {k.to_base64()});
    if (!r) return r.error();
    return {};
  }

  Result<std::vector<PeerRow>> peer_rows() override {
    auto r =
        q("SELECT peer_id, addr_hint, can_exit, capacity, state, generation, registered_at, "
          "last_seen FROM peers");
    if (!r) return r.error();
    std::vector<PeerRow> out;
    for (int i = 0; i < r->size(); ++i) {
      auto k = PublicKey::parse(r->text(i, 0));
      if (!k) continue;
      out.push_back(PeerRow{StoredPeer{PeerInfo{*k, r->text(i, 1), r->integer(i, 2) != 0,
                                                static_cast<int>(r->integer(i, 3))},
                                       r->text(i, 4), static_cast<std::uint64_t>(r->integer(i, 5))},
                            r->integer(i, 6), r->integer(i, 7)});
    }
    return out;
  }

  Result<void> import_peer(const PeerRow& p) override {
    const auto& i = p.peer.info;
    auto r =
        q("INSERT INTO peers(peer_id, addr_hint, can_exit, capacity, state, registered_at, "
          "last_seen, generation) VALUES($1,$2,$3,$4,$5,$6,$7,$8) "
          "ON CONFLICT(peer_id) DO NOTHING",
          {i.key.to_base64(), i.addr_hint, num(i.can_exit ? 1 : 0), num(i.capacity), p.peer.state,
           num(p.registered_at), num(p.last_seen), num(static_cast<long long>(p.peer.generation))});
    if (!r) return r.error();
    return {};
  }

  // One statement for the whole batch: the heartbeat path never waits on the database, and a
  // flush is one round trip however many peers it carries.
  Result<void> touch(const std::vector<std::pair<PublicKey, long long>>& seen) override {
    if (seen.empty()) return {};
    std::string ids = "{", times = "{";
    for (const auto& [k, t] : seen) {
      if (ids.size() > 1) ids += ',', times += ',';
      ids += '"' + k.to_base64() + '"';  // base64 has no quote or backslash
      times += num(t);
    }
    ids += '}', times += '}';
    auto r =
        q("UPDATE peers SET last_seen=s.t FROM unnest($1::text[], $2::bigint[]) AS s(id, t) "
          "WHERE peers.peer_id=s.id",
          {ids, times});
    if (!r) return r.error();
    return {};
  }

  Result<void> put_cohort(const Cohort& c,
                          const std::map<PublicKey, Assignment>& members) override {
    return in_tx([&]() -> Result<void> {
      auto r =
          q("INSERT INTO cohorts(id, exit, created_at, rotate_at) VALUES($1,$2,$3,$4) "
            "ON CONFLICT(id) DO UPDATE SET exit=excluded.exit, "
            "created_at=excluded.created_at, rotate_at=excluded.rotate_at",
            {c.id, c.exit.to_base64(), num(db_secs(c.created_at)), num(db_secs(c.rotate_at))});
      if (!r) return r.error();
      for (const auto& [k, a] : members)
        if (auto m = q("INSERT INTO cohort_members(cohort, peer_id, path) VALUES($1,$2,$3) "
                       "ON CONFLICT(cohort, peer_id) DO UPDATE SET path=excluded.path",
                       {c.id, k.to_base64(), path_to_json(a.path)});
            !m)
          return m.error();
      return {};
    });
  }

  Result<void> drop_cohort(const std::string& id) override {
    return in_tx([&]() -> Result<void> {
      if (auto r = q("DELETE FROM cohort_members WHERE cohort=$1", {id}); !r) return r.error();
      if (auto r = q("DELETE FROM cohorts WHERE id=$1", {id}); !r) return r.error();
      return {};
    });
  }

  Result<std::vector<StoredCohort>> cohorts() override {
    auto r = q("SELECT id, exit, created_at, rotate_at FROM cohorts");
    if (!r) return r.error();
    std::vector<StoredCohort> out;
    std::map<std::string, std::size_t> at;
    for (int i = 0; i < r->size(); ++i) {
      auto exit = PublicKey::parse(r->text(i, 1));
      if (!exit) continue;
      StoredCohort c;
      c.cohort.id = r->text(i, 0);
      c.cohort.exit = *exit;
      c.cohort.created_at = from_db_secs(r->integer(i, 2));
      c.cohort.rotate_at = from_db_secs(r->integer(i, 3));
      at[c.cohort.id] = out.size();
      out.push_back(std::move(c));
    }
    auto m = q("SELECT cohort, peer_id, path FROM cohort_members");
    if (!m) return m.error();
    for (int i = 0; i < m->size(); ++i) {
      auto it = at.find(m->text(i, 0));
      auto k = PublicKey::parse(m->text(i, 1));
      auto path = path_from_json(m->text(i, 2));
      if (it == at.end() || !k || !path) continue;
      auto& c = out[it->second];
      c.members[*k] = Assignment{c.cohort.id, std::move(*path), c.cohort.rotate_at};
    }
    return out;
  }

  bool healthy() override {
    auto r = q("SELECT 1");
    return r.ok() && r->size() == 1;
  }

  int schema_version() override {
    auto r = q("SELECT coalesce(max(version), 0) FROM wl_schema");
    return r && r->size() == 1 ? static_cast<int>(r->integer(0, 0)) : -1;
  }

 private:
  Error error(const std::string& what) const {
    std::string msg = PQerrorMessage(c_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error{coord_errc::internal, "postgres: " + what + ": " + msg};
  }

  // Runs one statement. Outside a transaction a connection found dead is re-opened and the
  // statement tried once more (a replica outlives a database restart); inside one the
  // failure ends the transaction, which the server has rolled back.
  Result<Rows> q(const char* sql, const std::vector<Param>& params = {}) {
    for (int attempt = 0;; ++attempt) {
      if (PQstatus(c_) != CONNECTION_OK && !in_tx_) PQreset(c_);
      std::vector<const char*> v;
      v.reserve(params.size());
      for (const auto& p : params) v.push_back(p ? p->c_str() : nullptr);
      // Without parameters PQexec, which also runs a migration's several statements.
      Rows r(v.empty() ? PQexec(c_, sql)
                       : PQexecParams(c_, sql, static_cast<int>(v.size()), nullptr, v.data(),
                                      nullptr, nullptr, 0));
      const auto st = r.status();
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
      if (attempt == 0 && !in_tx_ && PQstatus(c_) != CONNECTION_OK) continue;
      return error(std::string(sql).substr(0, 40));
    }
  }

  // BEGIN .. COMMIT around `body`, rolled back when it fails.
  template <class F>
  Result<void> in_tx(F body) {
    if (auto r = q("BEGIN"); !r) return r.error();
    in_tx_ = true;
    auto res = body();
    if (res) {
      auto c = q("COMMIT");
      if (!c) res = c.error();
    } else {
      (void)q("ROLLBACK");
    }
    in_tx_ = false;
    return res;
  }

  PGconn* c_;
  bool in_tx_ = false;
};

// Holding the advisory lock (a session lock: released when this connection ends, so a replica
// killed mid-migration does not wedge the others), each missing migration runs in its own
// transaction together with the row that records it.
Result<void> PgStore::migrate() {
  if (auto r = q("SELECT pg_advisory_lock($1)", {num(kMigrationLock)}); !r) return r.error();
  auto body = [&]() -> Result<void> {
    if (auto r = q("CREATE TABLE IF NOT EXISTS wl_schema(version INTEGER PRIMARY KEY)"); !r)
      return r.error();
    const int v = schema_version();
    if (auto r = check_schema_version("postgres", v, kSchemaVersion); !r) return r;
    for (int n = v + 1; n <= kSchemaVersion; ++n)
      if (auto r = in_tx([&]() -> Result<void> {
            if (auto x = q(kMigrations[n - 1]); !x) return x.error();
            if (auto x = q("INSERT INTO wl_schema(version) VALUES($1)", {num(n)}); !x)
              return x.error();
            return {};
          });
          !r)
        return r;
    return {};
  };
  auto res = body();
  (void)q("SELECT pg_advisory_unlock($1)", {num(kMigrationLock)});
  return res;
}

}  // namespace

Result<std::unique_ptr<StoreEngine>> open_pg_store(const std::string& url) {
  // Our bounds first, so the URL's own settings win where it has them.
  const char* keys[] = {"connect_timeout", "options", "keepalives_idle", "dbname", nullptr};
  const char* vals[] = {"3", "-c statement_timeout=5000 -c client_min_messages=warning", "10",
                        url.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, vals, 1);
  if (!c) return Error{coord_errc::internal, "postgres: out of memory"};
  auto s = std::make_unique<PgStore>(c);
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Error{coord_errc::internal, "cannot connect to PostgreSQL: " + msg};
  }
  if (auto r = s->migrate(); !r) return r.error();
  return std::unique_ptr<StoreEngine>(std::move(s));
}

}  // namespace wl::coordinator::server
