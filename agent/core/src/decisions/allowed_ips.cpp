// Which allowed IPs a device peer should carry: trusted ones while healthy and alive, only its
// link-local while unhealthy (when this node may deconfigure).
#include <algorithm>

#include "wirelink/agent/decisions.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/facts/timing.hpp"

namespace wl::agent::decide {

namespace {

bool contains(const std::vector<Cidr>& v, const Cidr& c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}

std::string about(const PublicKey& k, const char* what) {
  return "peer " + k.to_base64() + ": " + what;
}

}  // namespace

std::vector<Cidr> trusted_allowed_ips(const std::vector<Cidr>& configured,
                                      const std::vector<Cidr>& gossiped, const Cidr& link_local) {
  std::vector<Cidr> out;
  for (const auto& c : configured)
    if (!contains(out, c)) out.push_back(c);
  for (const auto& c : gossiped)
    if (c != link_local && !contains(out, c)) out.push_back(c);
  return out;
}

bool allowed_ips(const AllowedIpsInput& in, bool allow_deconfigure,
                 device_model::PeerConfig& change, std::vector<std::string>& events) {
  const auto& have = in.device.allowed_ips;
  const bool apply =
      in.healthy &&
      (in.basic || (in.alive_remaining && *in.alive_remaining > facts::timing::kAliveMargin));
  if (apply && allow_deconfigure) {
    std::vector<Cidr> want = in.trusted;
    want.push_back(in.link_local);
    std::vector<Cidr> sorted_have = have;
    std::sort(want.begin(), want.end());
    std::sort(sorted_have.begin(), sorted_have.end());
    if (want == sorted_have) return false;
    change.replace_allowed_ips = true;
    for (const auto& c : want) change.allowed_ips.push_back({c, false});
    events.push_back(about(in.device.public_key, "allowed IPs set to the trusted set"));
    return true;
  }
  if (apply) {
    bool changed = false;
    for (const auto& c : in.trusted)
      if (!contains(have, c)) {
        change.allowed_ips.push_back({c, false});
        changed = true;
      }
    if (changed)
      events.push_back(about(in.device.public_key, "healthy, trusted allowed IPs added"));
    return changed;
  }
  if (in.healthy || !allow_deconfigure || have.empty() ||
      (have.size() == 1 && have[0] == in.link_local))
    return false;
  change.replace_allowed_ips = true;
  change.allowed_ips.push_back({in.link_local, false});
  events.push_back(
      about(in.device.public_key,
            "unhealthy, allowed IPs removed except its link-local (fall back to the router)"));
  return true;
}

bool keep_link_local(const device_model::PeerState& device, const Cidr& link_local,
                     device_model::PeerConfig& change) {
  if (change.replace_allowed_ips || contains(device.allowed_ips, link_local) ||
      std::any_of(change.allowed_ips.begin(), change.allowed_ips.end(),
                  [&](const device_model::AllowedIp& a) { return a.cidr == link_local; }))
    return false;
  change.allowed_ips.push_back({link_local, false});
  return true;
}

}  // namespace wl::agent::decide
