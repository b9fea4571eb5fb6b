#include "sqlite_store.hpp"

#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator::server {
namespace {

Error db_error(sqlite3* db, const char* what) {
  return Error{coord_errc::internal, std::string("sqlite: ") + what + ": " + sqlite3_errmsg(db)};
}

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) != SQLITE_OK) s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& integer(int i, long long v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& null(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string col_text(int i) {
    auto* p = sqlite3_column_text(s_, i);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(s_, i)))
             : std::string();
  }
  long long col_int(int i) { return sqlite3_column_int64(s_, i); }
  bool col_null(int i) { return sqlite3_column_type(s_, i) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN IMMEDIATE .. COMMIT, rolled back unless commit() succeeded.
class Tx {
 public:
  explicit Tx(sqlite3* db) : db_(db) {
    ok_ = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Tx() {
    if (ok_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool began() const { return ok_; }
  bool commit() {
    done_ = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    return done_;
  }

 private:
  sqlite3* db_;
  bool ok_ = false, done_ = false;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS keys(pid TEXT PRIMARY KEY, secret TEXT NOT NULL, active INTEGER NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS invites(code TEXT PRIMARY KEY, issuer TEXT NOT NULL, issued_at INTEGER NOT NULL,
  expires_at INTEGER, max_uses INTEGER NOT NULL, uses INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS redemptions(code TEXT NOT NULL, peer_id TEXT NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY(code, peer_id));
CREATE TABLE IF NOT EXISTS peers(peer_id TEXT PRIMARY KEY, addr_hint TEXT NOT NULL, can_exit INTEGER NOT NULL,
  capacity INTEGER NOT NULL, state TEXT NOT NULL, registered_at INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS cohorts(id TEXT PRIMARY KEY, exit TEXT NOT NULL, created_at INTEGER NOT NULL,
  rotate_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS cohort_members(cohort TEXT NOT NULL, peer_id TEXT NOT NULL, path TEXT NOT NULL,
  PRIMARY KEY(cohort, peer_id));
)sql";

// The schema versions this binary knows: 1 the tables, 2 peers.generation (files made before
// generations existed have the tables at user_version 0; both steps are idempotent on them).
constexpr int kSchemaVersion = 2;

class SqliteStore final : public StoreEngine {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close(db_); }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Result<void> add_key(const StoredKey& k) override;
  Result<std::vector<StoredKey>> keys() override;
  Result<void> add_invite(const Invite& inv, int max_uses) override;
  Result<void> redeem(const std::string& code, const std::string& peer, long long now) override;
  Result<int> invite_uses(const std::string& code) override;
  Result<std::vector<StoredInvite>> invites() override;
  Result<void> import_invite(const StoredInvite& inv) override;
  Result<void> revoke_invite(const std::string& code) override;
  Result<void> put_peer(const PeerInfo& p, const std::string& state, long long now) override;
  Result<void> disconnect_peer(const PublicKey& k) override;
  Result<std::vector<PeerRow>> peer_rows() override;
  Result<void> import_peer(const PeerRow& p) override;
  Result<void> touch(const std::vector<std::pair<PublicKey, long long>>& seen) override;
  Result<void> put_cohort(const Cohort& c, const std::map<PublicKey, Assignment>& members) override;
  Result<void> drop_cohort(const std::string& id) override;
  Result<std::vector<StoredCohort>> cohorts() override;
  bool healthy() override;
  int schema_version() override;

  Result<void> exec(const char* sql);
  Result<void> migrate();

 private:
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<StoreEngine>> open_sqlite_store(const std::string& path, bool sync_full) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    // The OS reason ("No such file or directory", "Permission denied") says what to fix;
    // sqlite's own text alone ("unable to open database file") does not.
    const int os = db ? sqlite3_system_errno(db) : 0;
    Error e{coord_errc::internal,
            "cannot open database " + path + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
    if (os != 0) e.code = std::error_code(os, std::generic_category());
    sqlite3_close(db);
    return e;
  }
  auto s = std::make_unique<SqliteStore>(db);
  sqlite3_busy_timeout(db, 5000);
  if (auto r = s->exec("PRAGMA journal_mode=WAL"); !r) return r.error();
  if (auto r = s->exec(sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"); !r)
    return r.error();
  if (auto r = s->exec("PRAGMA foreign_keys=ON"); !r) return r.error();
  if (auto r = s->migrate(); !r) return r.error();
  return std::unique_ptr<StoreEngine>(std::move(s));
}

Result<void> SqliteStore::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    Error e{coord_errc::internal, std::string("sqlite: ") + (err ? err : "error")};
    sqlite3_free(err);
    return e;
  }
  return {};
}

int SqliteStore::schema_version() {
  Stmt s(db_, "PRAGMA user_version");
  return s.ok() && s.step() == SQLITE_ROW ? static_cast<int>(s.col_int(0)) : -1;
}

Result<void> SqliteStore::migrate() {
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  const int v = schema_version();
  if (auto r = check_schema_version("sqlite", v, kSchemaVersion); !r) return r;
  if (v >= kSchemaVersion) return {};
  if (auto r = exec(kSchema); !r) return r;
  // Databases created before peers had a generation get the column (0: no disconnect yet).
  Stmt s(db_, "SELECT 1 FROM pragma_table_info('peers') WHERE name='generation'");
  if (!s.ok()) return db_error(db_, "read peers columns");
  if (s.step() != SQLITE_ROW)
    if (auto r = exec("ALTER TABLE peers ADD COLUMN generation INTEGER NOT NULL DEFAULT 0"); !r)
      return r;
  if (auto r = exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str()); !r)
    return r;
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

bool SqliteStore::healthy() {
  Stmt s(db_, "SELECT 1");
  return s.ok() && s.step() == SQLITE_ROW;
}

Result<void> SqliteStore::add_key(const StoredKey& k) {
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  if (k.active) {
    Stmt d(db_, "UPDATE keys SET active=0");
    if (!d.ok() || d.step() != SQLITE_DONE) return db_error(db_, "deactivate keys");
  }
  Stmt s(db_, "INSERT OR REPLACE INTO keys(pid, secret, active, created_at) VALUES(?,?,?,?)");
  s.text(1, k.pid).text(2, k.secret).integer(3, k.active ? 1 : 0).integer(4, k.created_at);
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "insert key");
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

Result<std::vector<StoredKey>> SqliteStore::keys() {
  Stmt s(db_, "SELECT pid, secret, active, created_at FROM keys ORDER BY created_at");
  if (!s.ok()) return db_error(db_, "select keys");
  std::vector<StoredKey> out;
  while (s.step() == SQLITE_ROW)
    out.push_back(StoredKey{s.col_text(0), s.col_text(1), s.col_int(2) != 0, s.col_int(3)});
  return out;
}

Result<void> SqliteStore::add_invite(const Invite& inv, int max_uses) {
  Stmt s(db_,
         "INSERT INTO invites(code, issuer, issued_at, expires_at, max_uses) VALUES(?,?,?,?,?)");
  s.text(1, inv.code).text(2, inv.issuer).integer(3, db_secs(inv.issued_at)).integer(5, max_uses);
  if (inv.expires_at)
    s.integer(4, db_secs(*inv.expires_at));
  else
    s.null(4);
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "insert invite");
  return {};
}

Result<void> SqliteStore::redeem(const std::string& code, const std::string& peer, long long now) {
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  Stmt q(db_, "SELECT max_uses, uses FROM invites WHERE code=?");
  q.text(1, code);
  if (!q.ok()) return db_error(db_, "select invite");
  if (q.step() != SQLITE_ROW)
    return Error{coord_errc::invite_invalid, "invite is not in this coordinator's ledger"};
  const long long max = q.col_int(0), uses = q.col_int(1);
  Stmt seen(db_, "SELECT 1 FROM redemptions WHERE code=? AND peer_id=?");
  seen.text(1, code).text(2, peer);
  if (seen.ok() && seen.step() == SQLITE_ROW) return {};  // the same peer re-registering
  if (uses >= max) return Error{coord_errc::invite_exhausted, "invite has no remaining uses"};
  Stmt u(db_, "UPDATE invites SET uses=uses+1 WHERE code=?");
  u.text(1, code);
  Stmt r(db_, "INSERT INTO redemptions(code, peer_id, at) VALUES(?,?,?)");
  r.text(1, code).text(2, peer).integer(3, now);
  if (!u.ok() || u.step() != SQLITE_DONE || !r.ok() || r.step() != SQLITE_DONE)
    return db_error(db_, "redeem");
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

Result<int> SqliteStore::invite_uses(const std::string& code) {
  Stmt q(db_, "SELECT uses FROM invites WHERE code=?");
  q.text(1, code);
  if (!q.ok() || q.step() != SQLITE_ROW) return Error{coord_errc::not_found, "no such invite"};
  return static_cast<int>(q.col_int(0));
}

Result<void> SqliteStore::revoke_invite(const std::string& code) {
  Stmt d(db_, "DELETE FROM invites WHERE code=?");
  d.text(1, code);
  if (!d.ok() || d.step() != SQLITE_DONE) return db_error(db_, "revoke invite");
  if (sqlite3_changes(db_) == 0) return Error{coord_errc::not_found, "no such invite"};
  return {};
}

Result<std::vector<StoredInvite>> SqliteStore::invites() {
  Stmt s(db_,
         "SELECT code, issuer, issued_at, expires_at, max_uses, uses FROM invites "
         "ORDER BY issued_at, code");
  if (!s.ok()) return db_error(db_, "select invites");
  std::vector<StoredInvite> out;
  while (s.step() == SQLITE_ROW) {
    StoredInvite i{s.col_text(0),
                   s.col_text(1),
                   s.col_int(2),
                   std::nullopt,
                   static_cast<int>(s.col_int(4)),
                   static_cast<int>(s.col_int(5)),
                   {}};
    if (!s.col_null(3)) i.expires_at = s.col_int(3);
    out.push_back(std::move(i));
  }
  Stmt r(db_, "SELECT peer_id, at FROM redemptions WHERE code=?");
  if (!r.ok()) return db_error(db_, "select redemptions");
  for (auto& i : out) {
    r.text(1, i.code);
    while (r.step() == SQLITE_ROW) i.redemptions.emplace_back(r.col_text(0), r.col_int(1));
    r.reset();
  }
  return out;
}

Result<void> SqliteStore::import_invite(const StoredInvite& inv) {
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  Stmt s(db_,
         "INSERT INTO invites(code, issuer, issued_at, expires_at, max_uses, uses) "
         "VALUES(?,?,?,?,?,?) ON CONFLICT(code) DO UPDATE SET uses=max(uses, excluded.uses)");
  s.text(1, inv.code).text(2, inv.issuer).integer(3, inv.issued_at);
  if (inv.expires_at)
    s.integer(4, *inv.expires_at);
  else
    s.null(4);
  s.integer(5, inv.max_uses).integer(6, inv.uses);
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "import invite");
  Stmt r(db_, "INSERT OR IGNORE INTO redemptions(code, peer_id, at) VALUES(?,?,?)");
  if (!r.ok()) return db_error(db_, "prepare redemption");
  for (const auto& [peer, at] : inv.redemptions) {
    r.text(1, inv.code).text(2, peer).integer(3, at);
    if (r.step() != SQLITE_DONE) return db_error(db_, "import redemption");
    r.reset();
  }
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

Result<void> SqliteStore::put_peer(const PeerInfo& p, const std::string& state, long long now) {
  Stmt s(
      db_,
      "INSERT INTO peers(peer_id, addr_hint, can_exit, capacity, state, registered_at, last_seen) "
      "VALUES(?,?,?,?,?,?,?) ON CONFLICT(peer_id) DO UPDATE SET addr_hint=excluded.addr_hint, "
      "can_exit=excluded.can_exit, capacity=excluded.capacity, state=excluded.state, "
      "last_seen=excluded.last_seen");
  s.text(1, p.key.to_base64()).text(2, p.addr_hint).integer(3, p.can_exit).integer(4, p.capacity);
  s.text(5, state).integer(6, now).integer(7, now);
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "upsert peer");
  return {};
}

Result<void> SqliteStore::disconnect_peer(const PublicKey& k) {
  Stmt s(db_, "UPDATE peers SET state='disconnected', generation=generation+1 WHERE peer_id=?");
  s.text(1, k.to_base64());
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "update peer");
  return {};
}

Result<std::vector<PeerRow>> SqliteStore::peer_rows() {
  Stmt s(db_,
         "SELECT peer_id, addr_hint, can_exit, capacity, state, generation, registered_at, "
         "last_seen FROM peers");
  if (!s.ok()) return db_error(db_, "select peers");
  std::vector<PeerRow> out;
  while (s.step() == SQLITE_ROW) {
    auto k = PublicKey::parse(s.col_text(0));
    if (!k) continue;
    out.push_back(PeerRow{
        StoredPeer{PeerInfo{*k, s.col_text(1), s.col_int(2) != 0, static_cast<int>(s.col_int(3))},
                   s.col_text(4), static_cast<std::uint64_t>(s.col_int(5))},
        s.col_int(6), s.col_int(7)});
  }
  return out;
}

Result<void> SqliteStore::import_peer(const PeerRow& p) {
  Stmt s(db_,
         "INSERT OR IGNORE INTO peers(peer_id, addr_hint, can_exit, capacity, state, "
         "registered_at, last_seen, generation) VALUES(?,?,?,?,?,?,?,?)");
  const auto& i = p.peer.info;
  s.text(1, i.key.to_base64()).text(2, i.addr_hint).integer(3, i.can_exit).integer(4, i.capacity);
  s.text(5, p.peer.state).integer(6, p.registered_at).integer(7, p.last_seen);
  s.integer(8, static_cast<long long>(p.peer.generation));
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "import peer");
  return {};
}

Result<void> SqliteStore::touch(const std::vector<std::pair<PublicKey, long long>>& seen) {
  if (seen.empty()) return {};
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  Stmt s(db_, "UPDATE peers SET last_seen=? WHERE peer_id=?");
  if (!s.ok()) return db_error(db_, "prepare touch");
  for (const auto& [k, t] : seen) {
    s.integer(1, t).text(2, k.to_base64());
    s.step();
    s.reset();
  }
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

Result<void> SqliteStore::put_cohort(const Cohort& c,
                                     const std::map<PublicKey, Assignment>& members) {
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  Stmt s(db_, "INSERT OR REPLACE INTO cohorts(id, exit, created_at, rotate_at) VALUES(?,?,?,?)");
  s.text(1, c.id)
      .text(2, c.exit.to_base64())
      .integer(3, db_secs(c.created_at))
      .integer(4, db_secs(c.rotate_at));
  if (!s.ok() || s.step() != SQLITE_DONE) return db_error(db_, "insert cohort");
  Stmt m(db_, "INSERT OR REPLACE INTO cohort_members(cohort, peer_id, path) VALUES(?,?,?)");
  if (!m.ok()) return db_error(db_, "prepare member");
  for (const auto& [k, a] : members) {
    m.text(1, c.id).text(2, k.to_base64()).text(3, path_to_json(a.path));
    if (m.step() != SQLITE_DONE) return db_error(db_, "insert member");
    m.reset();
  }
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

Result<void> SqliteStore::drop_cohort(const std::string& id) {
  Tx tx(db_);
  if (!tx.began()) return db_error(db_, "begin");
  Stmt a(db_, "DELETE FROM cohort_members WHERE cohort=?");
  a.text(1, id);
  Stmt b(db_, "DELETE FROM cohorts WHERE id=?");
  b.text(1, id);
  if (!a.ok() || a.step() != SQLITE_DONE || !b.ok() || b.step() != SQLITE_DONE)
    return db_error(db_, "drop cohort");
  if (!tx.commit()) return db_error(db_, "commit");
  return {};
}

Result<std::vector<StoredCohort>> SqliteStore::cohorts() {
  Stmt s(db_, "SELECT id, exit, created_at, rotate_at FROM cohorts");
  if (!s.ok()) return db_error(db_, "select cohorts");
  std::vector<StoredCohort> out;
  while (s.step() == SQLITE_ROW) {
    auto exit = PublicKey::parse(s.col_text(1));
    if (!exit) continue;
    StoredCohort c;
    c.cohort.id = s.col_text(0);
    c.cohort.exit = *exit;
    c.cohort.created_at = from_db_secs(s.col_int(2));
    c.cohort.rotate_at = from_db_secs(s.col_int(3));
    out.push_back(std::move(c));
  }
  Stmt m(db_, "SELECT peer_id, path FROM cohort_members WHERE cohort=?");
  if (!m.ok()) return db_error(db_, "select members");
  for (auto& c : out) {
    m.text(1, c.cohort.id);
    while (m.step() == SQLITE_ROW) {
      auto k = PublicKey::parse(m.col_text(0));
      auto path = path_from_json(m.col_text(1));
      if (!k || !path) continue;
      c.members[*k] = Assignment{c.cohort.id, std::move(*path), c.cohort.rotate_at};
    }
    m.reset();
  }
  return out;
}

}  // namespace wl::coordinator::server
