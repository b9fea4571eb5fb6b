// SqliteStore: the Store engine on one SQLite file (WAL), the embedded default.
//
// Contract: as Store's. Schema versions live in PRAGMA user_version; open() applies the
// missing migrations in one BEGIN IMMEDIATE transaction (so two processes opening a fresh
// file do not race) and refuses a file whose version is newer than the binary's.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "store.hpp"

namespace wl::coordinator::server {

Result<std::unique_ptr<StoreEngine>> open_sqlite_store(const std::string& path, bool sync_full);

}  // namespace wl::coordinator::server
