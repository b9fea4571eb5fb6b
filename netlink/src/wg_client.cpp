#include "wirelink/netlink/wg_client.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>

#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/genl.hpp"

namespace wl::netlink {
namespace {
bool has_removals(const device_model::PeerConfig& p) {
  return !p.remove && std::any_of(p.allowed_ips.begin(), p.allowed_ips.end(),
                                  [](const auto& a) { return a.remove; });
}
}  // namespace

WireGuardClient::WireGuardClient(Transport& genl) : req_(genl) {
  const long page = sysconf(_SC_PAGESIZE);
  if (page >= 512) max_message_ = std::min<std::size_t>(static_cast<std::size_t>(page), 8192);
}

Result<std::uint16_t> WireGuardClient::family() {
  if (family_) return *family_;
  auto req = genl::build_get_family("wireguard");
  std::optional<genl::Family> found;
  Error parse_error;
  auto r = req_.exchange(req, "resolve generic netlink family wireguard",
                         [&](const Message& m) -> Result<void> {
                           auto f = genl::parse_family(m.payload);
                           if (!f) return f.error();
                           found = *f;
                           return {};
                         });
  if (!r) {
    if (r.error().code == std::errc::no_such_file_or_directory)
      return Error{errc::family_not_found,
                   "generic netlink family wireguard not found (no kernel module?)"};
    return r.error();
  }
  if (!found)
    return Error{errc::unexpected_reply, "resolve wireguard family: no family in the reply"};
  family_ = found->id;
  return *family_;
}

Result<device_model::DeviceState> WireGuardClient::get_device(std::string_view ifname) {
  auto fam = family();
  if (!fam) return fam.error();
  const std::string what = "wireguard GET " + std::string(ifname);
  auto req = wgnl::build_get_device(*fam, ifname);
  for (int attempt = 1;; ++attempt) {
    wgnl::DeviceAssembler assembler;
    auto r = req_.exchange(
        req, what, [&](const Message& m) -> Result<void> { return assembler.add(m.payload); });
    if (r) return assembler.take();
    if (r.error().code != errc::dump_interrupted || attempt >= kDumpRetries) {
      if (r.error().code == errc::dump_interrupted)
        return Error{errc::dump_interrupted,
                     what + ": still interrupted after " + std::to_string(attempt) + " attempts"};
      return r.error();
    }
    ++dump_restarts_;
  }
}

Result<void> WireGuardClient::send_messages(std::vector<std::vector<std::uint8_t>>& msgs,
                                            std::string_view what, SetProgress* progress) {
  SetProgress local;
  SetProgress& pr = progress ? *progress : local;
  pr.messages_total = msgs.size();
  pr.messages_applied = 0;
  Result<void> result;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    auto r = req_.exchange(msgs[i], what);
    if (!r) {
      Error e = r.error();
      e.detail += " (message " + std::to_string(i + 1) + " of " + std::to_string(msgs.size()) +
                  "; " + std::to_string(i) + " applied before it)";
      result = e;
      break;
    }
    ++pr.messages_applied;
  }
  for (auto& m : msgs) wgnl::wipe_bytes(m);
  return result;
}

Result<device_model::DeviceConfig> WireGuardClient::rewrite_removals(
    const device_model::DeviceConfig& cfg) {
  device_model::DeviceConfig out;
  out.ifname = cfg.ifname;
  if (cfg.private_key) out.private_key = cfg.private_key->clone();
  out.listen_port = cfg.listen_port;
  out.fwmark = cfg.fwmark;
  out.replace_peers = cfg.replace_peers;
  for (const auto& p : cfg.peers) out.peers.push_back(p.clone());
  if (std::none_of(cfg.peers.begin(), cfg.peers.end(), has_removals)) return out;
  if (cfg.replace_peers) {
    // Every peer starts empty: a removal has nothing to remove.
    for (auto& p : out.peers) std::erase_if(p.allowed_ips, [](const auto& a) { return a.remove; });
    return out;
  }
  if (aip_removal_ == AllowedIpRemoval::supported) return out;

  auto state = get_device(cfg.ifname);
  if (!state) return state.error();
  std::unordered_map<PublicKey, const device_model::PeerState*> current;
  for (const auto& p : state->peers) current.emplace(p.public_key, &p);

  if (aip_removal_ == AllowedIpRemoval::unknown) {
    // Probe on a peer that exists: the kernel skips a missing UPDATE_ONLY peer before it parses
    // the allowed IPs, so only an existing peer tells an old kernel (EINVAL) from a new one.
    for (const auto& p : cfg.peers) {
      if (!has_removals(p) || p.replace_allowed_ips || !current.count(p.public_key)) continue;
      auto fam = family();
      if (!fam) return fam.error();
      device_model::DeviceConfig probe;
      probe.ifname = cfg.ifname;
      device_model::PeerConfig pp;
      pp.public_key = p.public_key;
      pp.update_only = true;
      for (const auto& a : p.allowed_ips)
        if (a.remove) {
          pp.allowed_ips.push_back(a);
          break;
        }
      probe.peers.push_back(std::move(pp));
      auto msgs = wgnl::build_set_device(*fam, probe, max_message_);
      if (!msgs) return msgs.error();
      auto r = send_messages(*msgs, "wireguard SET " + cfg.ifname + " (allowed-IP removal probe)",
                             nullptr);
      if (r)
        aip_removal_ = AllowedIpRemoval::supported;
      else if (r.error().code == std::errc::invalid_argument)
        aip_removal_ = AllowedIpRemoval::unsupported;
      else
        return r.error();
      break;
    }
    if (aip_removal_ == AllowedIpRemoval::supported) return out;
  }

  for (auto& p : out.peers) {
    if (!has_removals(p)) continue;
    if (p.replace_allowed_ips) {
      std::erase_if(p.allowed_ips, [](const auto& a) { return a.remove; });
      continue;
    }
    auto it = current.find(p.public_key);
    if (it == current.end()) {
      std::erase_if(p.allowed_ips, [](const auto& a) { return a.remove; });
      continue;
    }
    std::set<Cidr> removed, seen;
    for (const auto& a : p.allowed_ips)
      if (a.remove) removed.insert(a.cidr);
    std::vector<device_model::AllowedIp> next;
    for (const auto& c : it->second->allowed_ips)
      if (!removed.count(c) && seen.insert(c).second) next.push_back({c, false});
    for (const auto& a : p.allowed_ips)
      if (!a.remove && seen.insert(a.cidr).second) next.push_back(a);
    p.allowed_ips = std::move(next);
    p.replace_allowed_ips = true;
  }
  return out;
}

Result<void> WireGuardClient::set_device(const device_model::DeviceConfig& cfg,
                                         SetProgress* progress) {
  auto fam = family();
  if (!fam) return fam.error();
  const bool removals = std::any_of(cfg.peers.begin(), cfg.peers.end(), has_removals);
  std::optional<device_model::DeviceConfig> rewritten;
  if (removals) {
    auto r = rewrite_removals(cfg);
    if (!r) return r.error();
    rewritten = std::move(*r);
  }
  auto msgs = wgnl::build_set_device(*fam, rewritten ? *rewritten : cfg, max_message_);
  if (!msgs) return msgs.error();
  return send_messages(*msgs, "wireguard SET " + cfg.ifname, progress);
}

}  // namespace wl::netlink
