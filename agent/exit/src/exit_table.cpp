#include "wirelink/agent/exit/exit_table.hpp"

#include <algorithm>
#include <iterator>

namespace wl::agent::exit {

namespace {

Error not_started() {
  return make_error(std::errc::not_connected, "nft table not created");
}

}  // namespace

Result<void> ExitTable::start() {
  if (!valid_iface(spec_.iface))
    return make_error(std::errc::invalid_argument, "interface name unfit for nft");
  for (const auto& n : spec_.forward_on)
    if (!valid_iface(n)) return make_error(std::errc::invalid_argument, "interface name " + n);
  auto r = nft_.apply(create_table(spec_));
  if (!r) return r;
  started_ = true;
  clients_.clear();
  leases_.clear();
  engaged_ = false;
  return {};
}

Result<void> ExitTable::stop() {
  if (!started_) return {};
  started_ = false;
  return nft_.apply(delete_table(spec_.iface));
}

Result<void> ExitTable::set_clients(std::vector<Cidr> want) {
  if (!started_ || !spec_.exit) return not_started();
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  std::vector<Cidr> add, remove;
  std::set_difference(want.begin(), want.end(), clients_.begin(), clients_.end(),
                      std::back_inserter(add));
  std::set_difference(clients_.begin(), clients_.end(), want.begin(), want.end(),
                      std::back_inserter(remove));
  if (add.empty() && remove.empty()) return {};
  auto r = nft_.apply(update_clients(spec_.iface, add, remove));
  if (!r) return r;
  clients_ = std::move(want);
  return {};
}

Result<void> ExitTable::set_kill_switch(bool engaged, const std::vector<Cidr>& lan) {
  if (!started_ || !spec_.client) return not_started();
  if (engaged == engaged_ && (!engaged || lan == lan_)) return {};
  auto r = nft_.apply(kill_switch(spec_.iface, spec_.fwmark, engaged, lan));
  if (!r) return r;
  engaged_ = engaged;
  lan_ = lan;
  return {};
}

Result<void> ExitTable::set_leases(const std::map<std::uint16_t, Endpoint>& want) {
  if (!started_ || !spec_.relay) return not_started();
  std::vector<RelayLease> add;
  std::vector<std::uint16_t> remove;
  for (const auto& [port, ep] : leases_) {
    auto it = want.find(port);
    if (it == want.end() || it->second != ep) remove.push_back(port);
  }
  for (const auto& [port, ep] : want) {
    auto it = leases_.find(port);
    if (it == leases_.end() || it->second != ep) add.push_back({port, ep});
  }
  if (add.empty() && remove.empty()) return {};
  auto r = nft_.apply(update_leases(spec_.iface, add, remove));
  if (!r) return r;
  leases_ = want;
  return {};
}

}  // namespace wl::agent::exit
