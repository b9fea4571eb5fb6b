#include "wirelink/agent/agent.hpp"

#include <spdlog/spdlog.h>

#include <csignal>
#include <optional>
#include <type_traits>

#include "wirelink/agent/apply_state.hpp"
#include "wirelink/agent/control_socket.hpp"
#include "wirelink/agent/event_loop.hpp"
#include "wirelink/agent/exit/exit_plane.hpp"
#include "wirelink/agent/fact_socket.hpp"
#include "wirelink/agent/metrics.hpp"
#include "wirelink/agent/metrics_listen.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/base/version.hpp"

namespace wl::agent {

namespace {

class Shell {
 public:
  explicit Shell(AgentDeps deps) : d_(std::move(deps)) {}

  int run(LoadedConfig cfg) {
    const std::string iface = cfg.config.iface;
    const std::string metrics_listen = cfg.config.metrics_listen;
    config_file_ = cfg.file_path;
    iface_ = iface;
    note_pending_apply();
    auto loop = EventLoop::create(
        timing::kMaxSleep,
        [this](int s) {
          if (s == SIGHUP) {
            ++shell_counters_.reloads;
            note_pending_apply();
          }
          perform(core_->on_signal(s, d_.reload, now()));
        },
        [this] {
          if (control_) control_->expire(now());  // slow control clients are cut off here
          if (metrics_) metrics_->expire(now());
          check_confirm_window();
          perform(core_->on_tick(now()));
        });
    if (!loop) {
      spdlog::error("{}: cannot start the event loop: {}", iface, loop.error().message());
      return kExitFatal;
    }
    loop_.emplace(std::move(*loop));
    auto ctl = ControlServer::listen(control_socket_path(iface));
    if (!ctl) {
      spdlog::error("{}: control socket: {}", iface, ctl.error().message());
      return kExitFatal;
    }
    control_.emplace(std::move(*ctl));
    CoreDeps cd;
    cd.device = d_.device.get();
    cd.links = d_.links.get();
    cd.clock = d_.clock;
    cd.make_gossip = d_.make_gossip;
    cd.make_coordinator = d_.make_coordinator;
    cd.resolve = d_.resolve;
    if (auto wd = d_.notifier->watchdog_interval()) cd.watchdog_interval = *wd;
    cd.exit_sink = start_exit_plane(cfg.config);
    core_.emplace(std::move(cfg), std::move(cd), now());
    (void)loop_->watch(control_->fd(), [this] {
      control_->serve(
          [this](const std::string& req) {
            if (req != "reload") return core_->on_control(req, now());
            ++shell_counters_.reloads;
            note_pending_apply();
            std::string reply;
            perform(core_->on_control_reload(fresh_config(), now(), reply));
            return reply;
          },
          now());
    });
    if (!metrics_listen.empty() && !start_metrics(metrics_listen)) return kExitFatal;
    if (int fd = d_.links->event_fd(); fd >= 0)
      (void)loop_->watch(fd, [this] {
        auto events = d_.links->take_events();
        if (loop_->running()) perform(core_->on_link_events(events, now()));
      });
    perform(core_->on_start(now()));
    int rc = stopped_ ? *stopped_ : loop_->run();
    perform(core_->on_stop(now()));
    exit_plane_.reset();  // the agent's nft table goes, forwarding is restored
    control_.reset();
    metrics_.reset();
    spdlog::info("{}: stopped", iface);
    return rc;
  }

 private:
  TimePoint now() const { return d_.clock->now(); }

  // An exit (CoordinatorExitCapacity > 0) forwards for clients whose tokens name it
  // (agent/exit, README "Exits"). Without a coordinator key nothing can be verified, so nothing
  // is forwarded; a failure to program the table is logged and the agent runs on as a plain
  // peer (fail closed: no forwarding).
  ExitSink start_exit_plane(const Config& cfg) {
    if (cfg.exit_traffic)
      spdlog::warn("{}: ExitTraffic is not implemented in this version (README \"Exits\")",
                   cfg.iface);
    if (cfg.coordinator_exit_capacity == 0) return {};
    auto ring = coordinator::KeyRing::parse(cfg.coordinator_public_key);
    if (cfg.coordinator_public_key.empty() || !ring) {
      spdlog::warn("{}: an exit needs CoordinatorPublicKey to admit clients; not forwarding",
                   cfg.iface);
      return {};
    }
    exit_plane_.emplace(exit::make_libnftables(), cfg.iface, std::move(*ring));
    if (auto s = exit_plane_->start(exit::uplinks_except(cfg.iface)); !s) {
      spdlog::warn("{}: exit forwarding not set up: {}", cfg.iface, s.error().message());
      exit_plane_.reset();
      return {};
    }
    spdlog::info("{}: exit forwarding ready (table inet {})", cfg.iface,
                 exit::table_name(cfg.iface));
    return [this, iface = cfg.iface](const PublicKey& self, const std::vector<ExitPeerView>& v) {
      std::vector<exit::ClientCandidate> peers;
      peers.reserve(v.size());
      for (const auto& p : v) peers.push_back({p.key, p.token, p.tunnel});
      const auto before = exit_plane_->admitted().size();
      if (auto r = exit_plane_->update(self, peers, d_.clock->wall()); !r)
        spdlog::warn("{}: exit clients: {}", iface, r.error().message());
      else if (exit_plane_->admitted().size() != before)
        spdlog::info("{}: exit forwards for {} client prefix(es)", iface,
                     exit_plane_->admitted().size());
    };
  }

  // MetricsListen is read at start: a reload that changes it takes effect on restart.
  bool start_metrics(const std::string& listen) {
    auto m = listen_metrics(listen);
    if (!m) {
      spdlog::error("{}: metrics endpoint {}: {}", core_->config().iface, listen,
                    m.error().message());
      return false;
    }
    metrics_.emplace(std::move(*m));
    (void)loop_->watch(metrics_->fd(), [this] {
      metrics_->serve(
          [this](const std::string& req) {
            return answer_http(req, [this] {
              ++shell_counters_.metrics_scrapes;
              return render_metrics(core_->status(now()), shell_counters_, kVersion);
            });
          },
          now());
    });
    spdlog::info("{}: metrics at {}", core_->config().iface, listen);
    return true;
  }

  // `wirelink apply --confirm`: the pending record is on disk. It is read when it can change
  // (at start, which covers a restart inside the window, and at every reload, which `apply`
  // asks for), so the 1 s tick only compares the clock with the deadline it noted.
  void note_pending_apply() {
    confirm_deadline_.reset();
    if (config_file_.empty()) return;
    auto pending = read_pending(config_file_);
    if (!pending) {
      spdlog::warn("{}: pending apply: {}", iface_, pending.error().message());
      return;
    }
    if (*pending) confirm_deadline_ = (*pending)->deadline_unix;
  }

  // Past the window without a confirm, last-known-good goes back and is reloaded here.
  // restore_if_expired reads the record again, so a `wirelink confirm` in between wins.
  void check_confirm_window() {
    if (!confirm_deadline_ || !core_) return;
    const auto wall =
        std::chrono::duration_cast<std::chrono::seconds>(d_.clock->wall().time_since_epoch());
    if (wall.count() < *confirm_deadline_) return;
    auto restored = restore_if_expired(config_file_, wall.count());
    if (!restored) {
      spdlog::warn("{}: pending apply: {}", core_->config().iface, restored.error().message());
      return;  // tried again at the next tick
    }
    confirm_deadline_.reset();
    if (!*restored) return;
    spdlog::warn("{}: apply not confirmed in time: the previous configuration is back",
                 core_->config().iface);
    ++shell_counters_.reloads;
    std::string reply;
    perform(core_->on_control_reload(fresh_config(), now(), reply));
    spdlog::info("{}: {}", core_->config().iface, reply);
  }

  // The configuration as it is now (control-socket reload; SIGHUP reads it inside the core).
  Result<LoadedConfig> fresh_config() const {
    return d_.reload ? d_.reload()
                     : Result<LoadedConfig>(make_error(std::errc::not_supported, "no reload"));
  }

  void perform(Actions actions) {
    for (std::size_t i = 0; i < actions.size(); ++i) {
      // An action may report back to the core (a bind's outcome); its answer runs next.
      Actions more = std::visit([this](auto& a) { return perform_one(a); }, actions[i]);
      actions.insert(actions.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                     std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    arm_wake();
  }

  // The periodic tick comes every kMaxSleep; news the core wants to act on sooner (an early
  // cycle, a gossip flush) gets a one-shot tick at that time.
  void arm_wake() {
    if (!core_ || !loop_) return;
    if (auto at = core_->next_wake(); at && *at - now() < timing::kMaxSleep)
      loop_->wake_in(std::chrono::duration_cast<std::chrono::nanoseconds>(*at - now()));
  }

  Actions perform_one(action::BindFactSocket& a) {
    close_fact_socket();
    auto s = FactSocket::bind(a.address, a.ifindex, a.port);
    if (!s) return core_->on_fact_socket(s.error(), now());
    fact_socket_.emplace(std::move(*s));
    (void)loop_->watch(fact_socket_->fd(), [this] {
      const auto t = now();
      Actions out;
      fact_socket_->receive([&](const IpAddress& src, std::span<const std::uint8_t> b) {
        shell_counters_.datagram_bytes_received += b.size();
        auto more = core_->on_datagram(src, b, t);
        out.insert(out.end(), std::make_move_iterator(more.begin()),
                   std::make_move_iterator(more.end()));
      });
      perform(std::move(out));
    });
    return core_->on_fact_socket(Result<void>(), now());
  }

  Actions perform_one(action::CloseFactSocket&) {
    close_fact_socket();
    return {};
  }

  Actions perform_one(action::Send& a) {
    if (!fact_socket_) return {};
    auto s = a.port == 0 ? fact_socket_->send(a.dst, a.bytes)
                         : fact_socket_->send_to(a.dst, a.port, a.bytes);
    if (!s) spdlog::debug("{}: {}", core_->config().iface, s.error().message());
    return {};
  }

  Actions perform_one(action::Notify& a) {
    using K = action::Notify::Kind;
    switch (a.kind) {
      case K::ready:
        d_.notifier->ready(a.text);
        break;
      case K::status:
        d_.notifier->status(a.text);
        break;
      case K::reloading:
        d_.notifier->reloading();
        break;
      case K::stopping:
        d_.notifier->stopping();
        break;
      case K::watchdog:
        d_.notifier->watchdog();
        break;
    }
    return {};
  }

  Actions perform_one(action::WatchCoordinator& a) {
    (void)loop_->watch(a.fd, [this] { perform(core_->on_coordinator(now())); });
    return {};
  }

  Actions perform_one(action::UnwatchCoordinator& a) {
    loop_->unwatch(a.fd);
    return {};
  }

  Actions perform_one(action::Stop& a) {
    if (loop_->running())
      loop_->stop(a.exit_code);
    else
      stopped_ = a.exit_code;  // before the loop runs (the first cycle found it fatal)
    return {};
  }

  void close_fact_socket() {
    if (!fact_socket_) return;
    loop_->unwatch(fact_socket_->fd());
    fact_socket_.reset();
  }

  AgentDeps d_;
  std::optional<EventLoop> loop_;
  std::optional<ControlServer> control_;
  std::optional<ControlServer> metrics_;
  ShellCounters shell_counters_;
  std::string config_file_;                       // for the commit-confirm window
  std::optional<std::int64_t> confirm_deadline_;  // of a pending apply, as last read
  std::string iface_;
  std::optional<FactSocket> fact_socket_;
  std::optional<exit::ExitPlane> exit_plane_;  // declared before core_: outlives its sink
  std::optional<AgentCore> core_;
  std::optional<int> stopped_;
};

}  // namespace

int run_agent(LoadedConfig cfg, AgentDeps deps) {
  Shell s(std::move(deps));
  return s.run(std::move(cfg));
}

}  // namespace wl::agent
