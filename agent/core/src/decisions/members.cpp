// Which peers join the device (membership facts, configuration) and which leave it (named by
// no membership fact, once a steady anchor makes an empty membership believable).
#include <algorithm>

#include "wirelink/agent/decisions.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/facts/timing.hpp"

namespace wl::agent::decide {

namespace {

device_model::PeerConfig add_with_link_local(const PublicKey& k) {
  device_model::PeerConfig add;
  add.public_key = k;
  add.allowed_ips.push_back({Cidr(link_local_for(k), 128), false});
  return add;
}

}  // namespace

std::vector<device_model::PeerConfig> peers_to_add(
    const std::vector<PublicKey>& members, const std::vector<facts::ConfiguredPeerView>& configured,
    const PublicKey& self, const std::set<PublicKey>& in_device, std::vector<std::string>& events) {
  std::vector<device_model::PeerConfig> out;
  for (const auto& k : members) {
    if (k == self || in_device.count(k)) continue;
    out.push_back(add_with_link_local(k));
    events.push_back("peer " + k.to_base64() + ": added (membership fact)");
  }
  for (const auto& c : configured) {
    if (c.key == self || in_device.count(c.key)) continue;
    auto add = add_with_link_local(c.key);
    if (!c.endpoints.empty()) add.endpoint = c.endpoints.front();
    out.push_back(std::move(add));
    events.push_back("peer " + c.key.to_base64() + ": added (configured)");
  }
  return out;
}

std::vector<PublicKey> token_gated(const std::vector<PublicKey>& members,
                                   const std::map<PublicKey, TimePoint>& admitted_until,
                                   TimePoint now, Duration grace) {
  std::vector<PublicKey> out;
  for (const auto& k : members) {
    auto it = admitted_until.find(k);
    if (it != admitted_until.end() && it->second + grace > now) out.push_back(k);
  }
  return out;
}

bool vouches(bool full_auto, bool peer_router, std::optional<trust::Level> configured_trust) {
  return full_auto ? peer_router
                   : (configured_trust && *configured_trust >= trust::Level::membership);
}

bool anchor_steady(std::optional<TimePoint> healthy_alive_since,
                   std::optional<Duration> alive_remaining, TimePoint now) {
  return healthy_alive_since && now - *healthy_alive_since >= facts::timing::kDeleteHealthyFor &&
         alive_remaining && *alive_remaining > facts::timing::kDeleteAliveMargin;
}

bool may_delete(const Roles& roles, bool anchor_ok) {
  return roles.settled && !roles.router &&
         (!roles.own_trust || *roles.own_trust < trust::Level::membership) && anchor_ok;
}

std::vector<device_model::PeerConfig> peers_to_delete(const std::vector<DeletionCandidate>& device,
                                                      const std::vector<PublicKey>& members,
                                                      bool full_auto,
                                                      std::vector<std::string>& events) {
  const std::set<PublicKey> member_set(members.begin(), members.end());
  std::vector<device_model::PeerConfig> out;
  for (const auto& p : device) {
    if (p.configured || member_set.count(p.key) || (full_auto && p.router)) continue;
    device_model::PeerConfig del;
    del.public_key = p.key;
    del.remove = true;
    out.push_back(std::move(del));
    events.push_back("peer " + p.key.to_base64() + ": removed (no membership fact)");
  }
  return out;
}

}  // namespace wl::agent::decide
