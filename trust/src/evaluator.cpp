#include "wirelink/trust/evaluator.hpp"

#include <algorithm>

#include "wirelink/base/enum_names.hpp"

namespace wl::trust {

std::string_view to_string(Source s) {
  static constexpr std::array<std::string_view, 5> kNames = {"none", "config", "grant", "router",
                                                             "known-peer"};
  return enum_name<Source::known_peer>(s, kNames);
}

bool is_router(std::span<const Cidr> allowed_ips) {
  return std::any_of(allowed_ips.begin(), allowed_ips.end(), [](const Cidr& c) {
    return c.address().is_global_unicast() && c.prefix() < c.address().bits();
  });
}

void TrustEvaluator::set_configured(const std::vector<ConfiguredTrust>& peers) {
  configured_.clear();
  any_configured_trust_ = false;
  for (const auto& p : peers) {
    configured_[p.key] = p.trust;
    if (p.trust) any_configured_trust_ = true;
  }
  // A grant is only as good as its delegate's configured trust: drop grants whose delegate
  // lost it, so a config reload revokes them at once.
  for (auto it = grants_.begin(); it != grants_.end();) {
    std::erase_if(it->second, [this](const GrantEntry& g) {
      auto c = configured_.find(g.delegate);
      return c == configured_.end() || c->second != Level::delegate;
    });
    it = it->second.empty() ? grants_.erase(it) : std::next(it);
  }
}

void TrustEvaluator::set_device_peers(const std::vector<DevicePeerTrust>& peers) {
  device_.clear();
  for (const auto& p : peers) device_[p.key] = is_router(p.allowed_ips);
}

void TrustEvaluator::admit(const PublicKey& subject, TimePoint until) {
  admitted_[subject] = until;
}

void TrustEvaluator::revoke(const PublicKey& subject) {
  admitted_.erase(subject);
}

bool TrustEvaluator::is_admitted(const PublicKey& subject, TimePoint now) const {
  auto it = admitted_.find(subject);
  return it != admitted_.end() && now < it->second;
}

std::optional<TimePoint> TrustEvaluator::admitted_until(const PublicKey& subject) const {
  auto it = admitted_.find(subject);
  if (it == admitted_.end()) return std::nullopt;
  return it->second;
}

bool TrustEvaluator::grant(const PublicKey& delegate, const PublicKey& subject, Level level,
                           TimePoint until, TimePoint now) {
  if (delegate == subject || level > Level::membership || until <= now) return false;
  // Delegation is one hop: only a delegate by configuration may grant (a granted level never
  // reaches delegate, so chains cannot form).
  if (configured(delegate) != Level::delegate) return false;
  auto& v = grants_[subject];
  for (auto& g : v) {
    if (g.delegate == delegate && g.level == level) {
      g.until = std::max(g.until, until);
      return true;
    }
  }
  v.push_back(GrantEntry{delegate, level, until});
  return true;
}

void TrustEvaluator::expire(TimePoint now) {
  for (auto it = grants_.begin(); it != grants_.end();) {
    std::erase_if(it->second, [now](const GrantEntry& g) { return g.until <= now; });
    it = it->second.empty() ? grants_.erase(it) : std::next(it);
  }
  std::erase_if(admitted_, [now](const auto& kv) { return kv.second <= now; });
}

std::optional<Level> TrustEvaluator::configured(const PublicKey& key) const {
  auto it = configured_.find(key);
  if (it == configured_.end()) return std::nullopt;
  return it->second;
}

Decision TrustEvaluator::evaluate(const PublicKey& source, TimePoint now) const {
  if (auto c = configured(source)) return {*c, Source::config};
  if (auto it = grants_.find(source); it != grants_.end()) {
    std::optional<Level> best;
    for (const auto& g : it->second)
      if (g.until > now && (!best || g.level > *best)) best = g.level;
    if (best) return {*best, Source::grant};
  }
  auto d = device_.find(source);
  if (d != device_.end()) {
    if (d->second && full_auto()) return {Level::membership, Source::router};
    return {Level::endpoint, Source::known_peer};
  }
  return {};
}

bool TrustEvaluator::in_device(const PublicKey& key) const {
  return device_.count(key) != 0;
}

bool TrustEvaluator::is_device_router(const PublicKey& key) const {
  auto d = device_.find(key);
  return d != device_.end() && d->second;
}

bool TrustEvaluator::any_device_router() const {
  return std::any_of(device_.begin(), device_.end(), [](const auto& kv) { return kv.second; });
}

}  // namespace wl::trust
