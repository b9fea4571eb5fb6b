// The node's role this cycle: router, full-auto, whether it may deconfigure.
#include <algorithm>

#include "wirelink/agent/decisions.hpp"
#include "wirelink/trust/evaluator.hpp"

namespace wl::agent::decide {

bool effective_router(std::optional<bool> configured, const device_model::DeviceState& dev) {
  if (configured) return *configured;
  return std::none_of(dev.peers.begin(), dev.peers.end(), [](const device_model::PeerState& p) {
    return trust::is_router(p.allowed_ips);
  });
}

Roles roles(const Config& cfg, const PublicKey& self, const device_model::DeviceState& dev,
            bool settled) {
  Roles r;
  r.router = effective_router(cfg.router, dev);
  for (const auto& p : cfg.peers)
    if (p.public_key == self) r.own_trust = p.trust;
  r.settled = settled;
  r.allow_deconfigure =
      settled && !r.router && (!r.own_trust || *r.own_trust < trust::Level::allowedips);
  r.full_auto = std::none_of(cfg.peers.begin(), cfg.peers.end(), [](const PeerSettings& p) {
    return p.trust && *p.trust >= trust::Level::membership;
  });
  return r;
}

}  // namespace wl::agent::decide
