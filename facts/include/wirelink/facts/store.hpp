// FactStore: the facts a node currently believes, received and local, with their expiry.
//
// Contract: single-threaded, no I/O. Identity is FactKey (attribute, subject, value bytes); among
// duplicates the latest expiry wins. A fact at or past its expiry is gone (expire() removes and
// returns it). Alive facts are not stored here (they feed liveness only; see GossipEngine).
// Each stored fact has a FactId (slot + generation) that stays valid until the fact expires,
// so per-peer send filters can refer to facts cheaply.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/facts/fact.hpp"

namespace wl::facts {

struct FactId {
  std::uint32_t slot = 0;
  std::uint32_t generation = 0;
  bool operator==(const FactId&) const = default;
};

struct StoredFact {
  Fact fact;
  FactKey key;
  TimePoint expires{};
  FactId id;
  bool local = false;  // originated by this node (never trust-filtered)
};

class FactStore {
 public:
  struct Upsert {
    FactId id;
    bool added = false;     // a new identity
    bool extended = false;  // an existing identity whose expiry moved later
  };

  // Inserts or extends; an expiry earlier than the stored one changes nothing.
  Upsert upsert(const Fact& f, TimePoint expires, bool local = false);
  // Removes and returns every fact with expires <= now.
  std::vector<StoredFact> expire(TimePoint now);
  // Removes one identity (used when a source's trust is withdrawn). Returns true if present.
  bool erase(const FactKey& key);

  const StoredFact* find(const FactKey& key) const;
  const StoredFact* get(FactId id) const;  // nullptr when the id's fact is gone
  // Facts about one subject, in insertion order.
  std::vector<const StoredFact*> about(const PublicKey& subject) const;
  void for_each(const std::function<void(const StoredFact&)>& fn) const;
  // Visits the facts about one subject without allocating.
  template <class F>
  void for_each_about(const PublicKey& subject, F&& fn) const {
    if (auto it = by_subject_.find(subject); it != by_subject_.end())
      for (auto s : it->second) fn(*slots_[s]);
  }
  template <class F>
  void for_each_subject(F&& fn) const {
    for (const auto& kv : by_subject_) fn(kv.first);
  }
  std::vector<PublicKey> subjects() const;  // sorted
  std::size_t size() const { return index_.size(); }
  // The earliest expiry, for next_deadline().
  std::optional<TimePoint> earliest_expiry() const;

 private:
  void remove_slot(std::uint32_t slot);

  std::vector<std::optional<StoredFact>> slots_;
  std::vector<std::uint32_t> generations_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<FactKey, std::uint32_t> index_;
  std::unordered_map<PublicKey, std::vector<std::uint32_t>> by_subject_;
};

}  // namespace wl::facts
