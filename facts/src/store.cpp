#include "wirelink/facts/store.hpp"

#include <algorithm>

namespace wl::facts {

FactStore::Upsert FactStore::upsert(const Fact& f, TimePoint expires, bool local) {
  FactKey key = key_of(f);
  Upsert u;
  if (auto it = index_.find(key); it != index_.end()) {
    auto& sf = *slots_[it->second];
    u.id = sf.id;
    if (expires > sf.expires) {
      sf.expires = expires;
      sf.fact = f;  // alive-style identities may carry a newer value
      u.extended = true;
    }
    sf.local = sf.local || local;
    return u;
  }
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
    generations_.push_back(0);
  }
  const FactId id{slot, ++generations_[slot]};
  slots_[slot] = StoredFact{f, key, expires, id, local};
  index_.emplace(std::move(key), slot);
  by_subject_[f.subject].push_back(slot);
  u.id = id;
  u.added = true;
  return u;
}

void FactStore::remove_slot(std::uint32_t slot) {
  auto& sf = *slots_[slot];
  index_.erase(sf.key);
  if (auto it = by_subject_.find(sf.fact.subject); it != by_subject_.end()) {
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), slot), v.end());
    if (v.empty()) by_subject_.erase(it);
  }
  slots_[slot].reset();
  ++generations_[slot];  // outstanding FactIds for this slot become stale
  free_.push_back(slot);
}

std::vector<StoredFact> FactStore::expire(TimePoint now) {
  std::vector<StoredFact> gone;
  for (std::uint32_t s = 0; s < slots_.size(); ++s) {
    if (slots_[s] && slots_[s]->expires <= now) {
      gone.push_back(*slots_[s]);
      remove_slot(s);
    }
  }
  return gone;
}

bool FactStore::erase(const FactKey& key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  remove_slot(it->second);
  return true;
}

const StoredFact* FactStore::find(const FactKey& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &*slots_[it->second];
}

const StoredFact* FactStore::get(FactId id) const {
  if (id.slot >= slots_.size() || !slots_[id.slot] ||
      slots_[id.slot]->id.generation != id.generation)
    return nullptr;
  return &*slots_[id.slot];
}

std::vector<const StoredFact*> FactStore::about(const PublicKey& subject) const {
  std::vector<const StoredFact*> out;
  if (auto it = by_subject_.find(subject); it != by_subject_.end())
    for (auto s : it->second) out.push_back(&*slots_[s]);
  return out;
}

void FactStore::for_each(const std::function<void(const StoredFact&)>& fn) const {
  for (const auto& s : slots_)
    if (s) fn(*s);
}

std::vector<PublicKey> FactStore::subjects() const {
  std::vector<PublicKey> out;
  out.reserve(by_subject_.size());
  for (const auto& [k, _] : by_subject_) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<TimePoint> FactStore::earliest_expiry() const {
  std::optional<TimePoint> e;
  for (const auto& s : slots_)
    if (s && (!e || s->expires < *e)) e = s->expires;
  return e;
}

}  // namespace wl::facts
