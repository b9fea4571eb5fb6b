// copy_store: what `wirelink-coordinator migrate --from PATH --to postgres://…` does: carries
// the key ring, every invite with its remaining uses and redemption ledger, and every peer
// (with its token generation, so revoked tokens stay revoked) from one store to another.
//
// Contract: idempotent: rows the destination already has are left as they are, except that an
// invite's uses become the larger of both (never lowered, so running it again after peers
// redeemed on the new engine cannot hand uses back); the source's active key ends up active in the
// destination, and keys keep their ids, so every token minted before the copy still verifies after
// it. Live cohorts are not copied: they are re-formed from the pools. Each row is its own
// transaction; a failure stops the copy and returns the error, and running it again resumes.
#pragma once

#include "store.hpp"

namespace wl::coordinator::server {

struct CopyCounts {
  std::size_t keys = 0, invites = 0, redemptions = 0, peers = 0;
};

Result<CopyCounts> copy_store(Store& from, Store& to);

}  // namespace wl::coordinator::server
