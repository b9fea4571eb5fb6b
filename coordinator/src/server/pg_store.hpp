// PgStore: the Store engine on PostgreSQL through libpq, so several coordinator replicas can
// share one database.
//
// Contract: as Store's. One blocking connection per Store; a lost connection is re-opened by
// the next call outside a transaction (healthy() included, so /readyz recovers by itself),
// and a call that fails inside a transaction leaves nothing half-applied (the server rolls it
// back). Connecting waits at most 3 s and a statement at most 5 s, so an unreachable database
// costs a request that long at worst, never a hang. Schema versions live in the table
// wl_schema; open() applies missing migrations holding pg_advisory_lock, so replicas starting
// together migrate once, and refuses a database newer than the binary.
#pragma once

#include <memory>
#include <string>

#include "store.hpp"

namespace wl::coordinator::server {

Result<std::unique_ptr<StoreEngine>> open_pg_store(const std::string& url);

}  // namespace wl::coordinator::server
