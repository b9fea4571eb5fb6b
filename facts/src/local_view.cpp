// Local fact collection: what this node tells others, computed from a snapshot only.
#include "wirelink/facts/local_view.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <unordered_set>

#include "wirelink/facts/timing.hpp"

namespace wl::facts {

bool glob_match(std::string_view pattern, std::string_view name) {
  const std::string p(pattern), n(name);
  return ::fnmatch(p.c_str(), n.c_str(), 0) == 0;
}

bool interface_reported(std::string_view name, const std::vector<std::string>& report,
                        const std::vector<std::string>& hide) {
  if (!report.empty() && std::none_of(report.begin(), report.end(),
                                      [&](const std::string& g) { return glob_match(g, name); }))
    return false;
  return std::none_of(hide.begin(), hide.end(),
                      [&](const std::string& g) { return glob_match(g, name); });
}

bool handshake_fresh(WallTime last, WallTime now) {
  if (last.time_since_epoch().count() == 0) return false;
  // A handshake "in the future" (clock step) is treated as just now.
  return now - last < timing::kHealthyWindow;
}

bool peer_healthy(const DevicePeerView& peer, WallTime seen, WallTime now) {
  const bool advanced = seen.time_since_epoch().count() != 0 && peer.last_handshake > seen;
  return peer.endpoint.has_value() && (handshake_fresh(peer.last_handshake, now) || advanced);
}

namespace {

const ConfiguredPeerView* find_config(const LocalView& v, const PublicKey& k) {
  for (const auto& c : v.config_peers)
    if (c.key == k) return &c;
  return nullptr;
}

}  // namespace

std::vector<Fact> collect_local_facts(const LocalView& view, const CollectContext& ctx) {
  std::vector<Fact> out;
  const auto self_trust = ctx.self_trust.value_or(trust::Level::untrusted);
  const bool tell_allowed = ctx.self_router || self_trust >= trust::Level::allowedips;
  const bool tell_members = ctx.self_router || self_trust >= trust::Level::membership;

  // Own endpoints: every global unicast address on an up, non-WireGuard, reported interface.
  if (view.listen_port != 0) {
    for (const auto& ifc : view.interfaces) {
      if (!ifc.up || ifc.wireguard ||
          !interface_reported(ifc.name, view.report_ifaces, view.hide_ifaces))
        continue;
      for (const auto& a : ifc.addresses)
        if (a.is_global_unicast() && !a.is_v4_mapped())
          out.push_back(make_endpoint(ctx.self, Endpoint(a, view.listen_port)));
    }
  }

  for (const auto& p : view.device_peers) {
    if (p.key == ctx.self) continue;
    // The endpoint WireGuard currently uses for a peer is worth sharing only while it works.
    if (p.endpoint && handshake_fresh(p.last_handshake, view.wall_now) &&
        !p.endpoint->address().is_v4_mapped())
      out.push_back(make_endpoint(p.key, *p.endpoint));
    if (tell_allowed)
      for (const auto& c : p.allowed_ips)
        if (!c.address().is_link_local()) out.push_back(make_allowed_ip(p.key, c));
    if (tell_members) out.push_back(make_member(p.key, MemberMetadata{}));
    if (ctx.self_router && ctx.peer_has_liveness && ctx.peer_has_liveness(p.key))
      out.push_back(make_peer_feature(p.key, Feature::liveness));
  }

  // A router with no allowed IPs configured for itself announces its interface subnets.
  const ConfiguredPeerView* self_cfg = find_config(view, ctx.self);
  if (ctx.self_router && (!self_cfg || self_cfg->allowed_ips.empty()))
    for (const auto& c : view.wg_subnets)
      if (!c.address().is_link_local()) out.push_back(make_allowed_ip(ctx.self, c));

  bool self_meta_done = false;
  for (const auto& c : view.config_peers) {
    MemberMetadata m;
    if (!c.name.empty()) m.set_name(c.name);
    m.set_basic(c.basic);
    if (c.key == ctx.self) {
      m.set_features(ctx.features);
      self_meta_done = true;
    }
    out.push_back(make_member(c.key, std::move(m)));
    for (const auto& a : c.allowed_ips) out.push_back(make_allowed_ip(c.key, a));
    const bool reachable = ctx.peer_reachable && ctx.peer_reachable(c.key);
    if (c.key != ctx.self && !reachable)
      for (const auto& ep : c.endpoints)
        if (!ep.address().is_v4_mapped()) out.push_back(make_endpoint(c.key, ep));
  }
  // A node configured as a delegate for itself passes its configured trust on as grants
  // (capped at membership; PROTOCOL.md §7.4). Only peers that advertise the feature get them.
  if (self_trust == trust::Level::delegate)
    for (const auto& c : view.config_peers)
      if (c.key != ctx.self && c.trust)
        out.push_back(make_grant(
            c.key, static_cast<std::uint8_t>(std::min(*c.trust, trust::Level::membership))));

  // Our own member-metadata carries the feature set (PROTOCOL.md §8).
  if (!self_meta_done && !ctx.features.empty()) {
    MemberMetadata m;
    m.set_features(ctx.features);
    out.push_back(make_member(ctx.self, std::move(m)));
  }

  // Deduplicate identical facts (a configured allowed IP that is also in the device).
  std::vector<Fact> unique;
  std::unordered_set<FactKey> seen;
  for (auto& f : out)
    if (seen.insert(key_of(f)).second) unique.push_back(std::move(f));
  return unique;
}

}  // namespace wl::facts
