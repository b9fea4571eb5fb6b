// The exit data plane's view of the device peers (agent_core.hpp ExitPeerView): the tunnel
// prefixes a peer's packets may come from, and the token that may admit them.
#include "wirelink/agent/agent_core.hpp"

namespace wl::agent {

std::vector<ExitPeerView> exit_peers(const device_model::DeviceState& dev, const GossipView& g) {
  std::vector<ExitPeerView> out;
  for (const auto& p : dev.peers) {
    ExitPeerView v;
    v.key = p.public_key;
    v.token = g.token_of(p.public_key);
    const Cidr ll(link_local_for(p.public_key), 128);
    for (const auto& c : p.allowed_ips)
      // The link-local carries facts, never outside traffic; 0/0 would admit the world.
      if (c != ll && c.prefix() > 0) v.tunnel.push_back(c);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace wl::agent
