#include "store_copy.hpp"

#include <algorithm>

namespace wl::coordinator::server {

Result<CopyCounts> copy_store(Store& from, Store& to) {
  CopyCounts n;
  auto keys = from.keys();
  if (!keys) return keys.error();
  // The active key last: add_key() makes an active key the only active one.
  std::stable_partition(keys->begin(), keys->end(), [](const StoredKey& k) { return !k.active; });
  for (const auto& k : *keys) {
    if (auto r = to.add_key(k); !r) return r.error();
    ++n.keys;
  }
  auto invites = from.invites();
  if (!invites) return invites.error();
  for (const auto& i : *invites) {
    if (auto r = to.import_invite(i); !r) return r.error();
    ++n.invites;
    n.redemptions += i.redemptions.size();
  }
  auto peers = from.peer_rows();
  if (!peers) return peers.error();
  for (const auto& p : *peers) {
    if (auto r = to.import_peer(p); !r) return r.error();
    ++n.peers;
  }
  return n;
}

}  // namespace wl::coordinator::server
