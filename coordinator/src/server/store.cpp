#include "store.hpp"

#include <nlohmann/json.hpp>

#include "pg_store.hpp"
#include "sqlite_store.hpp"
#include "wirelink/coordinator/errors.hpp"

namespace wl::coordinator::server {

bool Store::is_postgres_url(const std::string& db) {
  return db.starts_with("postgres://") || db.starts_with("postgresql://");
}

Result<Store> Store::open(const std::string& db, bool sync_full) {
  auto e = is_postgres_url(db) ? open_pg_store(db) : open_sqlite_store(db, sync_full);
  if (!e) return e.error();
  return Store(std::move(*e));
}

Result<std::vector<StoredPeer>> Store::peers() {
  auto rows = e_->peer_rows();
  if (!rows) return rows.error();
  std::vector<StoredPeer> out;
  out.reserve(rows->size());
  for (auto& r : *rows) out.push_back(std::move(r.peer));
  return out;
}

long long db_secs(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
WallTime from_db_secs(long long s) {
  return WallTime(std::chrono::seconds(s));
}

std::string path_to_json(const std::vector<PublicKey>& path) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& p : path) j.push_back(p.to_base64());
  return j.dump();
}

std::optional<std::vector<PublicKey>> path_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return std::nullopt;
  std::vector<PublicKey> out;
  for (const auto& p : j)
    if (p.is_string())
      if (auto pk = PublicKey::parse(p.get<std::string>())) out.push_back(*pk);
  return out;
}

Result<void> check_schema_version(const char* engine, int found, int known) {
  if (found < 0)
    return Error{coord_errc::internal, std::string(engine) + ": cannot read schema version"};
  if (found > known)
    return Error{coord_errc::internal,
                 std::string(engine) + " database schema is version " + std::to_string(found) +
                     ", newer than this wirelink-coordinator knows (" + std::to_string(known) +
                     "): run a wirelink-coordinator at least as new as the one that wrote it"};
  return {};
}

}  // namespace wl::coordinator::server
