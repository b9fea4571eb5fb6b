#include "wirelink/agent/exit/exit_plane.hpp"

#include <net/if.h>

namespace wl::agent::exit {

ExitPlane::ExitPlane(std::unique_ptr<Nft> nft, std::string iface, coordinator::KeyRing ring,
                     std::string proc_sys)
    : nft_(std::move(nft)),
      iface_(std::move(iface)),
      ring_(std::move(ring)),
      forwarding_(std::move(proc_sys)) {}

Result<void> ExitPlane::start(const std::vector<std::string>& uplinks) {
  std::vector<std::string> ifaces{iface_};
  ifaces.insert(ifaces.end(), uplinks.begin(), uplinks.end());
  if (auto f = forwarding_.enable(ifaces, true); !f) return f;
  TableSpec spec;
  spec.iface = iface_;
  spec.exit = true;
  spec.v6_only_wg = forwarding_.switched_v6_all();
  for (const auto& n : forwarding_.switched_on())
    if (n != iface_) spec.forward_on.push_back(n);
  table_.emplace(*nft_, std::move(spec));
  if (auto t = table_->start(); !t) {
    table_.reset();
    forwarding_.restore();
    return t;
  }
  return {};
}

Result<void> ExitPlane::update(const PublicKey& self, const std::vector<ClientCandidate>& peers,
                               WallTime now) {
  if (!table_) return make_error(std::errc::not_connected, "exit plane not started");
  return table_->set_clients(admitted_clients(peers, ring_, self, now).sources);
}

void ExitPlane::stop() {
  if (table_) (void)table_->stop();
  table_.reset();
  forwarding_.restore();
}

const std::vector<Cidr>& ExitPlane::admitted() const {
  static const std::vector<Cidr> none;
  return table_ ? table_->clients() : none;
}

std::vector<std::string> uplinks_except(const std::string& iface) {
  std::vector<std::string> out;
  struct if_nameindex* all = ::if_nameindex();
  if (all == nullptr) return out;
  for (auto* i = all; i->if_index != 0 && i->if_name != nullptr; ++i) {
    const std::string n = i->if_name;
    if (n != "lo" && n != iface) out.push_back(n);
  }
  if_freenameindex(all);
  return out;
}

}  // namespace wl::agent::exit
