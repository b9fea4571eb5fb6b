#include "admission.hpp"

#include <algorithm>

namespace wl::coordinator::server {

void Admission::upsert_peer(const PeerInfo& p) {
  peers_[p.key] = p;
}

const PeerInfo* Admission::peer(const PublicKey& k) const {
  auto it = peers_.find(k);
  return it == peers_.end() ? nullptr : &it->second;
}

std::size_t Admission::pending_count() const {
  return pending_exit_.size();
}

std::size_t Admission::exit_count() const {
  return static_cast<std::size_t>(std::count_if(peers_.begin(), peers_.end(), [](const auto& p) {
    return p.second.can_exit && p.second.capacity > 0;
  }));
}

std::size_t Admission::load(const PublicKey& exit) const {
  std::size_t n = 0;
  for (const auto& [id, c] : cohorts_)
    if (c.exit == exit) n += c.members.size();
  if (auto it = pools_.find(exit); it != pools_.end()) n += it->second.size();
  return n;
}

Admission::Served Admission::served_by(const PublicKey& exit) const {
  Served s;
  for (const auto& [id, c] : cohorts_) {
    if (c.exit != exit) continue;
    ++s.cohorts;
    s.clients += c.members.size();
  }
  return s;
}

std::optional<PublicKey> Admission::pick_relay(const PublicKey& who, const PublicKey& exit) const {
  std::optional<PublicKey> best;
  std::size_t best_load = 0;
  for (const auto& [k, p] : peers_) {
    if (!p.can_exit || k == who || k == exit) continue;
    const auto l = load(k);
    if (!best || l < best_load) {
      best = k;
      best_load = l;
    }
  }
  return best;
}

bool Admission::is_pending(const PublicKey& k) const {
  return pending_exit_.count(k) != 0;
}

std::optional<Admission::Waiting> Admission::waiting(const PublicKey& k) const {
  auto pe = pending_exit_.find(k);
  if (pe == pending_exit_.end()) return std::nullopt;
  auto pool = pools_.find(pe->second);
  return Waiting{pe->second, pool == pools_.end() ? 0 : pool->second.size()};
}

const Assignment* Admission::assignment(const PublicKey& k) const {
  auto it = live_.find(k);
  return it == live_.end() ? nullptr : &it->second;
}

const Cohort* Admission::cohort(const std::string& id) const {
  auto it = cohorts_.find(id);
  return it == cohorts_.end() ? nullptr : &it->second;
}

MatchOutcome Admission::match(const PublicKey& who, int hops, WallTime now) {
  if (live_.count(who)) return {MatchStatus::assigned, std::nullopt};
  if (!is_pending(who)) {
    // Fill one exit at a time: the fullest pool with room reaches the floor first.
    std::optional<PublicKey> chosen;
    std::size_t chosen_pool = 0, chosen_load = 0;
    for (const auto& [k, p] : peers_) {
      if (!p.can_exit || k == who || p.capacity <= 0) continue;
      const auto l = load(k);
      if (l >= static_cast<std::size_t>(p.capacity)) continue;
      auto pit = pools_.find(k);
      const std::size_t pool = pit == pools_.end() ? 0 : pit->second.size();
      if (!chosen || pool > chosen_pool || (pool == chosen_pool && l < chosen_load)) {
        chosen = k;
        chosen_pool = pool;
        chosen_load = l;
      }
    }
    if (!chosen) return {MatchStatus::no_exit, std::nullopt};
    if (hops == 2 && !pick_relay(who, *chosen)) return {MatchStatus::no_exit, std::nullopt};
    pools_[*chosen].push_back(Pending{who, hops});
    pending_exit_[who] = *chosen;
  }
  const PublicKey exit = pending_exit_.at(who);
  auto& pool = pools_[exit];
  if (pool.size() < opt_.floor) return {MatchStatus::pending, std::nullopt};

  // The floor is met: the whole pool goes live together.
  Cohort c;
  c.id = opt_.new_cohort_id();
  c.exit = exit;
  c.created_at = now;
  c.rotate_at = now + opt_.rotation;
  for (const auto& p : pool) {
    Assignment a;
    a.cohort = c.id;
    a.rotate_at = c.rotate_at;
    if (p.hops == 2) {
      if (auto relay = pick_relay(p.who, exit)) a.path.push_back(*relay);
    }
    a.path.push_back(exit);
    live_[p.who] = std::move(a);
    c.members.push_back(p.who);
    pending_exit_.erase(p.who);
  }
  pools_.erase(exit);
  const std::string id = c.id;
  cohorts_.emplace(id, std::move(c));
  return {MatchStatus::assigned, id};
}

std::vector<std::string> Admission::due(WallTime now) const {
  std::vector<std::string> out;
  for (const auto& [id, c] : cohorts_)
    if (c.rotate_at <= now) out.push_back(id);
  return out;
}

std::vector<PublicKey> Admission::rotate(const std::string& id) {
  auto it = cohorts_.find(id);
  if (it == cohorts_.end()) return {};
  auto members = std::move(it->second.members);
  for (const auto& m : members) live_.erase(m);
  cohorts_.erase(it);
  return members;
}

std::vector<std::string> Admission::remove(const PublicKey& k, bool keep_peer) {
  std::vector<std::string> affected;
  if (auto pe = pending_exit_.find(k); pe != pending_exit_.end()) {
    auto& pool = pools_[pe->second];
    pool.erase(
        std::remove_if(pool.begin(), pool.end(), [&](const Pending& p) { return p.who == k; }),
        pool.end());
    if (pool.empty()) pools_.erase(pe->second);
    pending_exit_.erase(pe);
  }
  // Peers waiting on this exit go back to the registered state; they will match again.
  if (auto pool = pools_.find(k); pool != pools_.end()) {
    for (const auto& p : pool->second) pending_exit_.erase(p.who);
    pools_.erase(pool);
  }
  if (auto l = live_.find(k); l != live_.end()) {
    auto& c = cohorts_.at(l->second.cohort);
    c.members.erase(std::remove(c.members.begin(), c.members.end(), k), c.members.end());
    affected.push_back(c.id);
    live_.erase(l);
  }
  for (const auto& [id, c] : cohorts_) {
    if (c.exit == k && std::find(affected.begin(), affected.end(), id) == affected.end()) {
      affected.push_back(id);
      continue;
    }
    // A relay leaving also breaks the paths that go through it.
    for (const auto& m : c.members) {
      const auto& path = live_.at(m).path;
      if (std::find(path.begin(), path.end(), k) != path.end() &&
          std::find(affected.begin(), affected.end(), id) == affected.end())
        affected.push_back(id);
    }
  }
  if (!keep_peer) peers_.erase(k);
  return affected;
}

void Admission::restore(const Cohort& c, const std::map<PublicKey, Assignment>& members) {
  Cohort copy = c;
  copy.members.clear();
  for (const auto& [k, a] : members) {
    live_[k] = a;
    copy.members.push_back(k);
  }
  cohorts_[c.id] = std::move(copy);
}

}  // namespace wl::coordinator::server
