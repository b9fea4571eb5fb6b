// SendFilter: what one peer already knows, so each fact is re-sent only about every two
// minutes (PROTOCOL.md §6).
//
// Contract: single-threaded, no I/O. A fact is due for a peer when the peer's copy would
// expire within kResendWithin (132.5 s) and ours expires later than theirs. Facts received
// from the peer count as known to it. The first boot id heard from the peer, and any change
// of it, forgets everything (facts sent before may have been lost).
#pragma once

#include <optional>
#include <unordered_map>

#include "wirelink/base/clock.hpp"
#include "wirelink/facts/fact.hpp"
#include "wirelink/facts/store.hpp"

namespace wl::facts {

class SendFilter {
 public:
  // The peer has (or was sent) the fact with this expiry.
  void note_known(FactId id, TimePoint peer_expires);
  bool due(FactId id, TimePoint our_expires, TimePoint now) const;
  // When the peer's copy of `id` expires, if recorded.
  std::optional<TimePoint> known_until(FactId id) const;
  // Returns true (and forgets everything) when the boot id is the first or differs from the
  // last one seen.
  bool observe_boot_id(const BootId& boot);
  // Drops records whose copy has expired (bounded memory).
  void prune(TimePoint now);
  void clear() { known_.clear(); }
  std::size_t size() const { return known_.size(); }

  // Our own alive fact as the peer last got it (the ping schedule).
  std::optional<TimePoint> alive_known_until;

 private:
  struct Entry {
    std::uint32_t generation;
    TimePoint expires;
  };
  std::unordered_map<std::uint32_t, Entry> known_;
  std::optional<BootId> boot_;
};

}  // namespace wl::facts
