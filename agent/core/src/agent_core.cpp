#include "wirelink/agent/agent_core.hpp"
#include "wirelink/facts/timing.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "wirelink/agent/timing.hpp"

#include "wirelink/base/enum_names.hpp"

namespace wl::agent {

const char* to_string(Lifecycle s) {
  // The names are string literals, so the view's data is NUL-terminated.
  static constexpr std::array<std::string_view, 6> kNames = {
      "starting", "waiting for interface", "waiting for key", "running", "reloading", "stopping"};
  return enum_name<Lifecycle::stopping>(s, kNames, "?").data();
}

namespace {
// An endpoint switch only takes effect when WireGuard next sends to the peer: one byte into the
// tunnel, to the peer's link-local discard port, makes it handshake now.
action::Send nudge(const PublicKey& peer) {
  return action::Send{link_local_for(peer), timing::kNudgePort, {0}};
}
}  // namespace

AgentCore::AgentCore(LoadedConfig cfg, CoreDeps deps, TimePoint now)
    : loaded_(std::move(cfg)), d_(std::move(deps)), start_(now) {
  if (!d_.resolve)  // no resolver given: literal addresses only, never DNS
    d_.resolve = [](const HostPort& hp) -> std::vector<Endpoint> {
      if (auto ip = IpAddress::parse(hp.host)) return {Endpoint(*ip, hp.port)};
      return {};
    };
}

AgentCore::~AgentCore() {
  if (coord_) coord_->stop();
}

Actions AgentCore::on_start(TimePoint now) {
  Actions out;
  spdlog::info("{}: wirelink agent starting (device backend {})", iface(), d_.device->kind());
  cycle(now, out);
  return out;
}

void AgentCore::notify(Actions& out, action::Notify::Kind kind, std::string text) {
  out.emplace_back(action::Notify{kind, std::move(text)});
}

// READY once, at the first state that can be reported; STATUS afterwards.
void AgentCore::report_waiting(Actions& out, Lifecycle s, const std::string& why) {
  state_ = s;
  notify(out, action::Notify::Kind::status, why);
  if (!ready_sent_) {
    notify(out, action::Notify::Kind::ready, why);
    ready_sent_ = true;
  }
}

void AgentCore::fatal(Actions& out) {
  state_ = Lifecycle::stopping;
  out.emplace_back(action::Stop{kExitFatal});
}

Actions AgentCore::on_tick(TimePoint now) {
  Actions out;
  if (state_ == Lifecycle::stopping) return out;
  if (d_.watchdog_interval) {
    const Duration every = *d_.watchdog_interval / 2;
    if (!last_watchdog_ || now - *last_watchdog_ >= every) {
      notify(out, action::Notify::Kind::watchdog, {});
      last_watchdog_ = now;
    }
  }
  // A fresh address may be tentative for a moment (duplicate address detection): retry
  // binding every tick rather than every cycle.
  if (sm_ && !bound_port_ && state_ == Lifecycle::running) ensure_fact_socket(out);
  if (gossip_ && bound_port_) send_gossip(now, out);
  const bool early = cycle_soon_ && now >= *cycle_soon_;
  if (!early && last_cycle_ && now - *last_cycle_ < facts::timing::kCycle) return out;
  cycle(now, out);
  return out;
}

// rtnetlink told us something changed. Events about our interface (down, up, renamed,
// deleted, our link-local removed) run a cycle now rather than at the next 5 s boundary;
// a burst of events runs one cycle.
Actions AgentCore::on_link_events(const std::vector<LinkEvent>& events, TimePoint now) {
  Actions out;
  bool ours = false;
  for (const auto& e : events) {
    switch (e.kind) {
      case LinkEvent::Kind::resync:
        ours = true;
        address_ready_ = false;  // cannot know what we missed: check the address too
        break;
      case LinkEvent::Kind::link_changed:
      case LinkEvent::Kind::link_removed:
        ours = ours || (ifindex_ != 0 && e.ifindex == ifindex_) || e.name == iface();
        break;
      case LinkEvent::Kind::address_removed:
        if (ifindex_ != 0 && e.ifindex == ifindex_ && sm_ && e.address == link_local_) {
          spdlog::warn("{}: {}/64 was removed from the interface; adding it again", iface(),
                       link_local_.to_string());
          address_ready_ = false;
          ours = true;
        }
        // An underlay address came or went: the endpoint candidates' reachability changed.
        ours = ours || (e.ifindex != ifindex_ && !e.address.is_link_local());
        break;
      case LinkEvent::Kind::address_added:
        ours = ours || (e.ifindex != ifindex_ && !e.address.is_link_local());
        break;
    }
  }
  if (!ours || state_ == Lifecycle::stopping) return out;
  ++link_events_;
  cycle(now, out);
  return out;
}

Actions AgentCore::on_datagram(const IpAddress& src, std::span<const std::uint8_t> bytes,
                               TimePoint now) {
  if (!gossip_) return {};
  gossip_->on_datagram(src, bytes, now);
  if (gossip_->generation() != gossip_generation_) cycle_soon(now);
  return {};
}

// News to act on: a cycle kReactDelay from now (batching a burst), kReactGap after the last.
void AgentCore::cycle_soon(TimePoint now) {
  if (cycle_soon_) return;
  TimePoint at = now + timing::kReactDelay;
  if (last_cycle_) at = std::max(at, *last_cycle_ + timing::kReactGap);
  cycle_soon_ = at;
}

std::optional<TimePoint> AgentCore::next_wake() const {
  std::optional<TimePoint> at = cycle_soon_;
  if (gossip_ && bound_port_)
    if (auto g = gossip_->next_deadline(); g && (!at || *g < *at)) at = g;
  return at;
}

Actions AgentCore::on_fact_socket(const Result<void>& bound, TimePoint now) {
  Actions out;
  if (!bind_pending_) {  // dropped while the bind was in flight
    if (bound) out.emplace_back(action::CloseFactSocket{});
    return out;
  }
  bind_pending_ = false;
  if (!bound) {
    // The address may still be tentative (duplicate address detection); retry next tick.
    spdlog::debug("{}: fact socket: {}", iface(), bound.error().message());
    pending_nudges_.clear();
    return out;
  }
  bound_port_ = fact_port();
  spdlog::info("{}: fact socket bound to [{}]:{}", iface(), link_local_.to_string(), fact_port());
  for (const auto& k : pending_nudges_) out.emplace_back(nudge(k));
  pending_nudges_.clear();
  if (gossip_) send_gossip(now, out);
  return out;
}

// Looks the interface up; false when this cycle cannot go on.
bool AgentCore::check_link(Actions& out) {
  auto link = d_.links->link(iface());
  if (!link) {
    if (link.error().code != std::errc::no_such_device) {
      spdlog::warn("{}: link query failed: {}", iface(), link.error().message());
      return false;
    }
    if (ifindex_ != 0) {
      spdlog::error("{}: the interface is gone; exiting so the service manager restarts us",
                    iface());
      fatal(out);
      return false;
    }
    // Not there yet (another unit creates it): wait for its link event, or the next cycle.
    if (state_ != Lifecycle::waiting_for_interface)
      spdlog::warn("{}: no such interface yet; waiting for it to appear", iface());
    report_waiting(out, Lifecycle::waiting_for_interface, "waiting for " + iface() + " to appear");
    return false;
  }
  if (link->ifindex != ifindex_) {
    if (ifindex_ != 0)
      spdlog::warn("{}: interface was recreated (index {} -> {})", iface(), ifindex_,
                   link->ifindex);
    ifindex_ = link->ifindex;
    address_ready_ = false;
    address_added_ = false;
    drop_fact_socket(out);
  }
  const bool was_up = state_ == Lifecycle::waiting_for_key || state_ == Lifecycle::running;
  if (!link->up) {
    if (was_up) spdlog::warn("{}: interface is down; waiting for it to come up", iface());
    // The kernel drops IPv6 addresses of a downed link: add ours again and rebind once it
    // is back up.
    address_ready_ = false;
    drop_fact_socket(out);
    report_waiting(out, Lifecycle::waiting_for_interface, "waiting for " + iface() + " to come up");
    return false;
  }
  if (!was_up && cycles_ > 0) spdlog::info("{}: interface is up again", iface());
  return true;
}

void AgentCore::new_device_key(const device_model::DeviceState& dev, TimePoint now, Actions& out) {
  self_ = *dev.public_key;
  own_ = dev.private_key->clone();
  link_local_ = link_local_for(self_);
  sm_.emplace(loaded_.config, self_, start_, d_.resolve);
  gossip_ = d_.make_gossip(*dev.private_key, loaded_.config, now);
  address_ready_ = false;
  drop_fact_socket(out);
  spdlog::info("{}: public key {}, link-local {}", iface(), self_.to_base64(),
               link_local_.to_string());
  start_coordinator(out);
}

void AgentCore::cycle(TimePoint now, Actions& out) {
  last_cycle_ = now;
  cycle_soon_.reset();
  if (gossip_) gossip_generation_ = gossip_->generation();
  if (!check_link(out)) return;
  auto dev = d_.device->get();
  if (!dev) {
    ++device_errors_;
    if (dev.error().code == std::errc::no_such_device) {
      spdlog::error("{}: the WireGuard device is gone ({}); exiting", iface(),
                    dev.error().message());
      fatal(out);
    } else {
      spdlog::warn("{}: reading the device failed: {}", iface(), dev.error().message());
    }
    return;
  }
  if (!dev->private_key || !dev->public_key) {
    report_waiting(out, Lifecycle::waiting_for_key, iface() + " has no private key yet; waiting");
    return;
  }
  state_ = Lifecycle::running;
  if (!sm_ || sm_->self() != *dev->public_key) new_device_key(*dev, now, out);
  if (coord_) gossip_->set_coordinator(grant_of(coord_info_, now, d_.clock->wall()), now);
  listen_port_ = dev->listen_port;
  ensure_address();
  ensure_fact_socket(out);

  auto interfaces = d_.links->interfaces(iface());
  sm_->set_local_network(decide::local_network(interfaces, d_.links->routes(iface())));
  auto res = sm_->on_cycle(*dev, *gossip_, now, d_.clock->wall());
  res.view.interfaces = std::move(interfaces);
  for (const auto& i : res.view.interfaces)
    if (i.name == iface())
      for (const auto& c : i.subnets)
        if (!c.address().is_link_local()) res.view.wg_subnets.push_back(c);
  gossip_->set_local_view(res.view, now);
  if (d_.exit_sink) d_.exit_sink(*dev->public_key, exit_peers(*dev, *gossip_));
  for (const auto& e : res.events) spdlog::info("{}: {}", iface(), e);
  if (!res.changes.peers.empty()) {
    res.changes.ifname = iface();
    if (auto s = d_.device->set(res.changes); !s) {
      ++device_errors_;
      spdlog::warn("{}: configuring the device failed: {}", iface(), s.error().message());
    } else {
      sm_->note_applied(res.changes);
      // New peers and moved endpoints reach the gossip's view (its first datagram to them) and
      // the status at a cycle soon, not in 5 s.
      if (std::any_of(res.changes.peers.begin(), res.changes.peers.end(),
                      [](const device_model::PeerConfig& p) {
                        return !p.update_only || p.endpoint.has_value();
                      }))
        cycle_soon(now);
    }
  }
  // An endpoint switch only takes effect when WireGuard next sends to the peer: nudge it with
  // one byte into the tunnel (to the peer's link-local discard port) so it handshakes now.
  if (bound_port_) {
    for (const auto& k : res.ping) out.emplace_back(nudge(k));
    send_gossip(now, out);
  } else if (bind_pending_) {
    pending_nudges_.insert(pending_nudges_.end(), res.ping.begin(), res.ping.end());
  }
  ++cycles_;
  if (!ready_sent_) {
    notify(out, action::Notify::Kind::ready, status_line());
    ready_sent_ = true;
  } else {
    notify(out, action::Notify::Kind::status, status_line());
  }
}

void AgentCore::ensure_address() {
  if (address_ready_) return;
  auto r = d_.links->add_address(ifindex_, link_local_, 64);
  if (!r) {
    spdlog::warn("{}: adding {}/64 failed: {}", iface(), link_local_.to_string(),
                 r.error().message());
    return;
  }
  address_ready_ = true;
  address_added_ = address_added_ || *r;
  if (*r) spdlog::info("{}: added {}/64", iface(), link_local_.to_string());
}

std::uint16_t AgentCore::fact_port() const {
  return loaded_.config.port ? loaded_.config.port : static_cast<std::uint16_t>(listen_port_ + 1);
}

void AgentCore::ensure_fact_socket(Actions& out) {
  if (bound_port_ && *bound_port_ != fact_port()) drop_fact_socket(out);
  if (bound_port_ || bind_pending_ || !address_ready_ || listen_port_ == 0) return;
  bind_pending_ = true;
  out.emplace_back(action::BindFactSocket{link_local_, ifindex_, fact_port()});
}

void AgentCore::drop_fact_socket(Actions& out) {
  if (!bound_port_ && !bind_pending_) return;
  out.emplace_back(action::CloseFactSocket{});
  bound_port_.reset();
  bind_pending_ = false;
  pending_nudges_.clear();
}

void AgentCore::send_gossip(TimePoint now, Actions& out) {
  for (auto& dg : gossip_->tick(now))
    out.emplace_back(action::Send{dg.dst, 0, std::move(dg.bytes)});
}

// One session per device key; a key change restarts it (the old registration is dropped).
void AgentCore::start_coordinator(Actions& out) {
  stop_coordinator(out);
  coord_info_ = CoordinatorInfo{};
  if (loaded_.config.coordinator_url.empty() || !d_.make_coordinator) return;
  auto l = d_.make_coordinator(self_, own_, loaded_.config, *d_.clock);
  if (!l) {
    coord_info_.state = "disabled";
    coord_info_.last_error = l.error().message();
    spdlog::error("{}: coordinator: {}", iface(), l.error().message());
    return;
  }
  coord_ = std::move(*l);
  if (int fd = coord_->notify_fd(); fd >= 0) out.emplace_back(action::WatchCoordinator{fd});
  spdlog::info("{}: coordinator session started ({})", iface(), loaded_.config.coordinator_url);
}

void AgentCore::stop_coordinator(Actions& out) {
  if (!coord_) return;
  if (int fd = coord_->notify_fd(); fd >= 0) out.emplace_back(action::UnwatchCoordinator{fd});
  coord_->stop();
  coord_.reset();
}

Actions AgentCore::on_coordinator(TimePoint now) {
  if (!coord_) return {};
  auto info = coord_->poll();
  // The session logs its own state changes; here only what changes for the mesh.
  if (info.cohort != coord_info_.cohort)
    spdlog::info("{}: coordinator cohort {} ({} peers)", iface(),
                 info.cohort.empty() ? "none" : info.cohort, info.peers.size());
  coord_info_ = std::move(info);
  // A new token goes out as a fact from the next gossip cycle; assignment peers become
  // members now (the next reconcile cycle adds them to the device).
  if (gossip_) gossip_->set_coordinator(grant_of(coord_info_, now, d_.clock->wall()), now);
  cycle_soon(now);  // assignment peers join the device now, not at the next cycle
  return {};
}

Actions AgentCore::on_signal(int signo, const std::function<Result<LoadedConfig>()>& reload,
                             TimePoint now) {
  Actions out;
  switch (signo) {
    case SIGTERM:
    case SIGINT:
      spdlog::info("{}: signal {}: stopping", iface(), signo == SIGTERM ? "TERM" : "INT");
      state_ = Lifecycle::stopping;
      out.emplace_back(action::Stop{kExitOk});
      break;
    case SIGHUP:
      return on_reload(
          reload ? reload()
                 : Result<LoadedConfig>(make_error(std::errc::not_supported, "no reload")),
          now);
    case SIGUSR1:
      spdlog::info("{}: state dump\n{}{}", iface(), render_table(status(now)),
                   gossip_ ? "\n" + gossip_->dump(now) : std::string());
      break;
    default:
      break;
  }
  return out;
}

Actions AgentCore::on_reload(Result<LoadedConfig> fresh, TimePoint now) {
  Actions out;
  if (state_ == Lifecycle::stopping) {
    reload_outcome_ = "error: the agent is stopping\n";
    return out;
  }
  const Lifecycle before = state_;
  state_ = Lifecycle::reloading;
  notify(out, action::Notify::Kind::reloading, {});
  if (!fresh) {
    spdlog::error("{}: reload failed, keeping the old configuration: {}", iface(),
                  fresh.error().message());
    reload_outcome_ = "error: " + fresh.error().message() + " (the old configuration stays)\n";
  } else if (fresh->config.iface != iface()) {
    spdlog::error(
        "{}: reload asks for interface {}; that needs a restart, keeping the old configuration",
        iface(), fresh->config.iface);
    reload_outcome_ = "error: the new configuration asks for interface " + fresh->config.iface +
                      "; that needs a restart (the old configuration stays)\n";
  } else {
    for (const auto& w : reload_warnings(loaded_, *fresh)) spdlog::warn("{}", w);
    const bool port_changed = fresh->config.port != loaded_.config.port;
    // A changed coordinator setting, or a session that could not start (e.g. the module was
    // missing), starts the session again; otherwise the running one is kept.
    const bool coordinator_changed =
        !fresh->config.same_coordinator_settings(loaded_.config) || coord_info_.state == "disabled";
    loaded_ = std::move(*fresh);
    if (sm_) sm_->reconfigure(loaded_.config);
    if (gossip_) gossip_->set_config(loaded_.config);
    if (port_changed) drop_fact_socket(out);
    if (coordinator_changed && sm_) {
      start_coordinator(out);
      if (!coord_) gossip_->set_coordinator(CoordinatorGrant{}, now);
    }
    const std::string from = loaded_.file_found ? loaded_.file_path : "defaults";
    spdlog::info("{}: configuration reloaded from {}", iface(), from);
    reload_outcome_ = "ok: configuration reloaded from " + from + "\n";
  }
  state_ = before;
  notify(out, action::Notify::Kind::ready, status_line());
  return out;
}

Actions AgentCore::on_control_reload(Result<LoadedConfig> fresh, TimePoint now,
                                     std::string& reply) {
  Actions out = on_reload(std::move(fresh), now);
  reply = reload_outcome_;
  return out;
}

Actions AgentCore::on_stop(TimePoint /*now*/) {
  Actions out;
  state_ = Lifecycle::stopping;
  notify(out, action::Notify::Kind::stopping, {});
  stop_coordinator(out);
  drop_fact_socket(out);
  if (address_added_ && ifindex_ != 0) {
    if (auto r = d_.links->remove_address(ifindex_, link_local_, 64); !r)
      spdlog::warn("{}: removing {}/64 failed: {}", iface(), link_local_.to_string(),
                   r.error().message());
    else
      spdlog::info("{}: removed {}/64", iface(), link_local_.to_string());
    address_added_ = false;
  }
  return out;
}

std::string AgentCore::status_line() const {
  if (!sm_) return "starting";
  std::size_t healthy = 0;
  for (const auto& p : sm_->status()) healthy += p.healthy;
  return std::to_string(sm_->status().size()) + " peers, " + std::to_string(healthy) + " healthy" +
         (sm_->is_router() ? ", router" : "");
}

AgentStatus AgentCore::status(TimePoint now) const {
  AgentStatus s;
  s.iface = iface();
  s.backend = d_.device->kind();
  s.public_key = self_;
  s.link_local = link_local_;
  s.listen_port = listen_port_;
  s.fact_port = fact_port();
  s.fact_socket_bound = bound_port_.has_value();
  s.interface_up = state_ == Lifecycle::waiting_for_key || state_ == Lifecycle::running ||
                   state_ == Lifecycle::reloading;
  s.uptime = now - start_;
  s.cycles = cycles_;
  s.device_errors = device_errors_;
  s.link_events = link_events_;
  s.config_file = loaded_.file_found ? loaded_.file_path : "";
  if (sm_) {
    s.router = sm_->is_router();
    s.allow_deconfigure = sm_->allow_deconfigure();
    s.allow_delete = sm_->allow_delete();
    s.peers = sm_->status();
  }
  if (gossip_) s.counters = gossip_->counters();
  if (coord_ || !coord_info_.last_error.empty()) {
    s.coordinator_enabled = true;
    s.coordinator.state = coord_info_.state;
    s.coordinator.url = loaded_.config.coordinator_url;
    s.coordinator.token_expires = coord_info_.token_expires;
    s.coordinator.has_token = !coord_info_.token.empty();
    s.coordinator.cohort = coord_info_.cohort;
    s.coordinator.assigned_peers = coord_info_.peers.size();
    s.coordinator.last_error = coord_info_.last_error;
    s.coordinator.detail = coord_info_.detail;
    s.coordinator.warning = coord_info_.warning;
    s.coordinator.path = coord_info_.path;
    s.coordinator.exit = loaded_.config.coordinator_exit_capacity > 0;
    s.coordinator.exit_cohorts = coord_info_.exit_cohorts;
    s.coordinator.exit_clients = coord_info_.exit_clients;
    s.wall_now = d_.clock->wall();
  }
  if (bound_port_) s.counters.facts_rejected.erase("");  // keep the map clean
  return s;
}

std::string AgentCore::on_control(const std::string& request, TimePoint now) const {
  if (request == "show") return render_table(status(now));
  if (request == "show json") return render_json(status(now)) + "\n";
  return "error: unknown request\n";
}

}  // namespace wl::agent
