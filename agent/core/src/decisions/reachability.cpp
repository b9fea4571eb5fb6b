// How this host reaches a candidate endpoint, from its interfaces and main routing table: the
// one place that knows which address families are usable right now.
#include <algorithm>

#include "wirelink/agent/decisions.hpp"

namespace wl::agent::decide {

LocalNetwork local_network(const std::vector<facts::InterfaceSnapshot>& interfaces,
                           std::vector<Cidr> routes) {
  LocalNetwork n;
  // A host with no interfaces or no routes at all is a failed read, not a network: rank the
  // 0.14 way rather than drop every candidate.
  n.known = !interfaces.empty() && !routes.empty();
  n.routes = std::move(routes);
  for (const auto& ifc : interfaces) {
    if (!ifc.up || ifc.wireguard) continue;
    // LinkControl leaves tentative and deprecated addresses out of both lists.
    n.subnets.insert(n.subnets.end(), ifc.subnets.begin(), ifc.subnets.end());
    for (const auto& a : ifc.addresses) {
      if (a.is_link_local() || a.is_loopback() || a.is_v4_mapped()) continue;
      (a.is_v4() ? n.v4_address : n.v6_address) = true;
    }
  }
  return n;
}

Reach reach_of(const Endpoint& e, const LocalNetwork& net) {
  const IpAddress& a = e.address();
  if (!net.known) return is_lan(a) ? Reach::lan : Reach::public_routed;
  for (const auto& s : net.subnets)
    if (s.contains(a)) return Reach::lan;
  if (a.is_link_local() || !(a.is_v4() ? net.v4_address : net.v6_address))
    return Reach::unreachable;
  bool specific = false, by_default = false;
  for (const auto& r : net.routes) {
    if (!r.contains(a)) continue;
    (r.prefix() == 0 ? by_default : specific) = true;
  }
  if (!specific && !by_default) return Reach::unreachable;
  if (is_lan(a)) return specific ? Reach::private_routed : Reach::private_default_only;
  return specific ? Reach::public_routed : Reach::public_default;
}

bool family_lost(const Endpoint& e, const LocalNetwork& net) {
  const IpAddress& a = e.address();
  if (!net.known || (a.is_v4() ? net.v4_address : net.v6_address)) return false;
  return std::none_of(net.subnets.begin(), net.subnets.end(),
                      [&](const Cidr& s) { return s.contains(a); });
}

std::string_view to_string(Reach r) {
  switch (r) {
    case Reach::lan:
      return "lan";
    case Reach::public_routed:
    case Reach::public_default:
      return "public";
    case Reach::private_routed:
      return "private";
    case Reach::private_default_only:
      return "private, default route only";
    case Reach::unreachable:
      break;
  }
  return "unreachable";
}

}  // namespace wl::agent::decide
