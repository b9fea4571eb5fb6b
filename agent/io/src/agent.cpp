#include "wirelink/agent/agent.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <optional>

#include "wirelink/agent/control_socket.hpp"
#include "wirelink/agent/event_loop.hpp"
#include "wirelink/agent/fact_socket.hpp"
#include "wirelink/agent/peer_state_machine.hpp"
#include "wirelink/agent/status.hpp"
#include "wirelink/agent/timing.hpp"

namespace wl::agent {

namespace {
constexpr int kExitFatal = 1;
}  // namespace

namespace {

class Agent {
 public:
  Agent(LoadedConfig cfg, AgentDeps deps) : loaded_(std::move(cfg)), d_(std::move(deps)) {
    start_ = d_.clock->now();
    if (!d_.resolve)  // no resolver given: literal addresses only, never DNS
      d_.resolve = [](const HostPort& hp) -> std::vector<Endpoint> {
        if (auto ip = IpAddress::parse(hp.host)) return {Endpoint(*ip, hp.port)};
        return {};
      };
  }

  int run() {
    auto loop = EventLoop::create(
        timing::kMaxSleep, [this](int s) { on_signal(s); }, [this] { on_tick(); });
    if (!loop) {
      spdlog::error("{}: cannot start the event loop: {}", iface(), loop.error().message());
      return kExitFatal;
    }
    loop_.emplace(std::move(*loop));
    auto ctl = ControlServer::listen(control_socket_path(iface()));
    if (!ctl) {
      spdlog::error("{}: control socket: {}", iface(), ctl.error().message());
      return kExitFatal;
    }
    control_.emplace(std::move(*ctl));
    (void)loop_->watch(control_->fd(), [this] {
      control_->serve_one([this](const std::string& req) { return on_control(req); });
    });
    if (int fd = d_.links->event_fd(); fd >= 0)
      (void)loop_->watch(fd, [this] { on_link_events(); });
    if (auto wd = d_.notifier->watchdog_interval()) watchdog_every_ = *wd / 2;
    spdlog::info("{}: wirelink agent starting (device backend {})", iface(), d_.device->kind());
    int rc = loop_->run();
    shutdown();
    return rc;
  }

 private:
  const std::string& iface() const { return loaded_.config.iface; }

  void on_signal(int sig) {
    switch (sig) {
      case SIGTERM:
      case SIGINT:
        spdlog::info("{}: signal {}: stopping", iface(), sig == SIGTERM ? "TERM" : "INT");
        loop_->stop(0);
        break;
      case SIGHUP:
        reload();
        break;
      case SIGUSR1:
        spdlog::info("{}: state dump\n{}{}", iface(), render_table(status()),
                     gossip_ ? "\n" + gossip_->dump(d_.clock->now()) : std::string());
        break;
      default:
        break;
    }
  }

  void reload() {
    d_.notifier->reloading();
    auto r = d_.reload ? d_.reload()
                       : Result<LoadedConfig>(make_error(std::errc::not_supported, "no reload"));
    if (!r) {
      spdlog::error("{}: reload failed, keeping the old configuration: {}", iface(),
                    r.error().message());
    } else if (r->config.iface != iface()) {
      spdlog::error(
          "{}: reload asks for interface {}; that needs a restart, keeping the old configuration",
          iface(), r->config.iface);
    } else {
      for (const auto& w : r->warnings) spdlog::warn("{}", w);
      bool port_changed = r->config.port != loaded_.config.port;
      // A changed coordinator setting, or a session that could not start (e.g. the module was
      // missing), starts the session again; otherwise the running one is kept.
      const bool coordinator_changed =
          !r->config.same_coordinator_settings(loaded_.config) || coord_info_.state == "disabled";
      loaded_ = std::move(*r);
      if (sm_) sm_->reconfigure(loaded_.config);
      if (gossip_) gossip_->set_config(loaded_.config);
      if (port_changed) drop_fact_socket();
      if (coordinator_changed && sm_) {
        start_coordinator();
        if (!coord_) gossip_->set_coordinator(CoordinatorGrant{}, d_.clock->now());
      }
      spdlog::info("{}: configuration reloaded from {}", iface(),
                   loaded_.file_found ? loaded_.file_path : "defaults");
    }
    d_.notifier->ready(status_line());
  }

  void on_tick() {
    auto now = d_.clock->now();
    if (watchdog_every_ && (!last_watchdog_ || now - *last_watchdog_ >= *watchdog_every_)) {
      d_.notifier->watchdog();
      last_watchdog_ = now;
    }
    // A fresh address may be tentative for a moment (duplicate address detection): retry
    // binding every tick rather than every cycle.
    if (sm_ && !fact_socket_ && interface_up_) ensure_fact_socket();
    if (gossip_ && fact_socket_) send_gossip(now);
    if (last_cycle_ && now - *last_cycle_ < timing::kCyclePeriod) return;
    last_cycle_ = now;
    cycle(now);
  }

  // rtnetlink told us something changed. Events about our interface (down, up, renamed,
  // deleted, our link-local removed) run a cycle now rather than at the next 5 s boundary;
  // a burst of events runs one cycle.
  void on_link_events() {
    bool ours = false;
    for (const auto& e : d_.links->take_events()) {
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
          break;
      }
    }
    if (!ours || !loop_->running()) return;
    ++link_events_;
    auto now = d_.clock->now();
    last_cycle_ = now;
    cycle(now);
  }

  void cycle(TimePoint now) {
    auto link = d_.links->link(iface());
    if (!link) {
      if (link.error().code == std::errc::no_such_device) {
        spdlog::error("{}: the interface is gone; exiting so the service manager restarts us",
                      iface());
        loop_->stop(kExitFatal);
      } else {
        spdlog::warn("{}: link query failed: {}", iface(), link.error().message());
      }
      return;
    }
    if (link->ifindex != ifindex_) {
      if (ifindex_ != 0)
        spdlog::warn("{}: interface was recreated (index {} -> {})", iface(), ifindex_,
                     link->ifindex);
      ifindex_ = link->ifindex;
      address_ready_ = false;
      address_added_ = false;
      drop_fact_socket();
    }
    if (!link->up) {
      if (interface_up_) spdlog::warn("{}: interface is down; waiting for it to come up", iface());
      interface_up_ = false;
      // The kernel drops IPv6 addresses of a downed link: add ours again and rebind once it
      // is back up.
      address_ready_ = false;
      drop_fact_socket();
      d_.notifier->status("waiting for " + iface() + " to come up");
      if (!ready_sent_) {
        d_.notifier->ready("waiting for " + iface() + " to come up");
        ready_sent_ = true;
      }
      return;
    }
    if (!interface_up_ && cycles_ > 0) spdlog::info("{}: interface is up again", iface());
    interface_up_ = true;

    auto dev = d_.device->get();
    if (!dev) {
      ++device_errors_;
      if (dev.error().code == std::errc::no_such_device) {
        spdlog::error("{}: the WireGuard device is gone ({}); exiting", iface(),
                      dev.error().message());
        loop_->stop(kExitFatal);
      } else {
        spdlog::warn("{}: reading the device failed: {}", iface(), dev.error().message());
      }
      return;
    }
    if (!dev->private_key || !dev->public_key) {
      d_.notifier->status(iface() + " has no private key yet; waiting");
      if (!ready_sent_) {
        d_.notifier->ready(iface() + " has no private key yet; waiting");
        ready_sent_ = true;
      }
      return;
    }
    if (!sm_ || sm_->self() != *dev->public_key) {
      self_ = *dev->public_key;
      link_local_ = link_local_for(self_);
      sm_.emplace(loaded_.config, self_, start_, d_.resolve);
      gossip_ = d_.make_gossip ? d_.make_gossip(*dev->private_key, loaded_.config, now) : nullptr;
      if (!gossip_) gossip_ = std::make_unique<NullGossip>();
      address_ready_ = false;
      drop_fact_socket();
      spdlog::info("{}: public key {}, link-local {}", iface(), self_.to_base64(),
                   link_local_.to_string());
      start_coordinator();
    }
    if (coord_) gossip_->set_coordinator(grant_of(coord_info_, now, d_.clock->wall()), now);
    listen_port_ = dev->listen_port;
    ensure_address();
    ensure_fact_socket();

    auto res = sm_->on_cycle(*dev, *gossip_, now, d_.clock->wall());
    res.view.interfaces = d_.links->interfaces(iface());
    for (const auto& i : res.view.interfaces)
      if (i.name == iface())
        for (const auto& c : i.subnets)
          if (!c.address().is_link_local()) res.view.wg_subnets.push_back(c);
    gossip_->set_local_view(res.view, now);
    for (const auto& e : res.events) spdlog::info("{}: {}", iface(), e);
    if (!res.changes.peers.empty()) {
      res.changes.ifname = iface();
      if (auto s = d_.device->set(res.changes); !s) {
        ++device_errors_;
        spdlog::warn("{}: configuring the device failed: {}", iface(), s.error().message());
      } else {
        sm_->note_applied(res.changes);
      }
    }
    // An endpoint switch only takes effect when WireGuard next sends to the peer: nudge it with
    // one byte into the tunnel (to the peer's link-local discard port) so it handshakes now.
    if (fact_socket_)
      for (const auto& k : res.ping) {
        static constexpr std::uint8_t kNudge[1] = {0};
        (void)fact_socket_->send_to(link_local_for(k), timing::kNudgePort, kNudge);
      }
    if (fact_socket_) send_gossip(now);
    ++cycles_;
    if (!ready_sent_) {
      d_.notifier->ready(status_line());
      ready_sent_ = true;
    } else {
      d_.notifier->status(status_line());
    }
  }

  // One session per device key; a key change restarts it (the old registration is dropped).
  void start_coordinator() {
    stop_coordinator();
    coord_info_ = CoordinatorInfo{};
    if (loaded_.config.coordinator_url.empty() || !d_.make_coordinator) return;
    auto l = d_.make_coordinator(self_, loaded_.config, *d_.clock);
    if (!l) {
      coord_info_ = CoordinatorInfo{};
      coord_info_.state = "disabled";
      coord_info_.last_error = l.error().message();
      spdlog::error("{}: coordinator: {}", iface(), l.error().message());
      return;
    }
    coord_ = std::move(*l);
    coord_info_ = CoordinatorInfo{};
    if (int fd = coord_->notify_fd(); fd >= 0) (void)loop_->watch(fd, [this] { on_coordinator(); });
    spdlog::info("{}: coordinator session started ({})", iface(), loaded_.config.coordinator_url);
  }

  void stop_coordinator() {
    if (!coord_) return;
    if (int fd = coord_->notify_fd(); fd >= 0) loop_->unwatch(fd);
    coord_->stop();
    coord_.reset();
  }

  void on_coordinator() {
    auto info = coord_->poll();
    // The session logs its own state changes; here only what changes for the mesh.
    if (info.cohort != coord_info_.cohort)
      spdlog::info("{}: coordinator cohort {} ({} peers)", iface(),
                   info.cohort.empty() ? "none" : info.cohort, info.peers.size());
    coord_info_ = std::move(info);
    // A new token goes out as a fact from the next gossip cycle; assignment peers become
    // members now (the next reconcile cycle adds them to the device).
    auto now = d_.clock->now();
    if (gossip_) gossip_->set_coordinator(grant_of(coord_info_, now, d_.clock->wall()), now);
  }

  void send_gossip(TimePoint now) {
    for (const auto& dg : gossip_->tick(now))
      if (auto s = fact_socket_->send(dg.dst, dg.bytes); !s)
        spdlog::debug("{}: {}", iface(), s.error().message());
  }

  void ensure_address() {
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

  std::uint16_t fact_port() const {
    return loaded_.config.port ? loaded_.config.port : static_cast<std::uint16_t>(listen_port_ + 1);
  }

  void ensure_fact_socket() {
    if (fact_socket_ && fact_socket_->port() != fact_port()) drop_fact_socket();
    if (fact_socket_ || !address_ready_ || listen_port_ == 0) return;
    auto s = FactSocket::bind(link_local_, ifindex_, fact_port());
    if (!s) {
      // The address may still be tentative (duplicate address detection); retry next cycle.
      spdlog::debug("{}: fact socket: {}", iface(), s.error().message());
      return;
    }
    fact_socket_.emplace(std::move(*s));
    (void)loop_->watch(fact_socket_->fd(), [this] {
      auto now = d_.clock->now();
      fact_socket_->receive([&](const IpAddress& src, std::span<const std::uint8_t> b) {
        if (gossip_) gossip_->on_datagram(src, b, now);
      });
    });
    spdlog::info("{}: fact socket bound to [{}]:{}", iface(), link_local_.to_string(), fact_port());
  }

  void drop_fact_socket() {
    if (!fact_socket_) return;
    loop_->unwatch(fact_socket_->fd());
    fact_socket_.reset();
  }

  std::string status_line() const {
    if (!sm_) return "starting";
    std::size_t healthy = 0;
    for (const auto& p : sm_->status()) healthy += p.healthy;
    return std::to_string(sm_->status().size()) + " peers, " + std::to_string(healthy) +
           " healthy" + (sm_->is_router() ? ", router" : "");
  }

  AgentStatus status() const {
    AgentStatus s;
    s.iface = iface();
    s.backend = d_.device->kind();
    s.public_key = self_;
    s.link_local = link_local_;
    s.listen_port = listen_port_;
    s.fact_port = fact_port();
    s.fact_socket_bound = fact_socket_.has_value();
    s.interface_up = interface_up_;
    s.uptime = d_.clock->now() - start_;
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
      s.wall_now = d_.clock->wall();
    }
    if (fact_socket_) s.counters.facts_rejected.erase("");  // keep the map clean
    return s;
  }

  std::string on_control(const std::string& req) {
    if (req == "show") return render_table(status());
    if (req == "show json") return render_json(status()) + "\n";
    return "error: unknown request\n";
  }

  void shutdown() {
    d_.notifier->stopping();
    stop_coordinator();
    drop_fact_socket();
    if (address_added_ && ifindex_ != 0) {
      if (auto r = d_.links->remove_address(ifindex_, link_local_, 64); !r)
        spdlog::warn("{}: removing {}/64 failed: {}", iface(), link_local_.to_string(),
                     r.error().message());
      else
        spdlog::info("{}: removed {}/64", iface(), link_local_.to_string());
    }
    control_.reset();
    spdlog::info("{}: stopped", iface());
  }

  LoadedConfig loaded_;
  AgentDeps d_;
  TimePoint start_;
  std::optional<EventLoop> loop_;
  std::optional<ControlServer> control_;
  std::optional<FactSocket> fact_socket_;
  std::optional<PeerStateMachine> sm_;
  std::unique_ptr<GossipView> gossip_;
  std::unique_ptr<CoordinatorLink> coord_;
  CoordinatorInfo coord_info_;
  PublicKey self_;
  IpAddress link_local_;
  unsigned ifindex_ = 0;
  std::uint16_t listen_port_ = 0;
  bool interface_up_ = false;
  bool address_ready_ = false;
  bool address_added_ = false;
  bool ready_sent_ = false;
  std::uint64_t cycles_ = 0;
  std::uint64_t device_errors_ = 0;
  std::uint64_t link_events_ = 0;  // event batches about our interface that ran a cycle
  std::optional<TimePoint> last_cycle_;
  std::optional<TimePoint> last_watchdog_;
  std::optional<Duration> watchdog_every_;
};

}  // namespace

int run_agent(LoadedConfig cfg, AgentDeps deps) {
  Agent a(std::move(cfg), std::move(deps));
  return a.run();
}

}  // namespace wl::agent
