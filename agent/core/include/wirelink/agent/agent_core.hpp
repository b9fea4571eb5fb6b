// AgentCore: the agent's decisions about its own life, without file descriptors.
//
// Contract: single-threaded; every entry point takes the event and `now` and returns the
// actions the shell (agent/io/src/agent.cpp) must perform, in order. The core owns no fd and
// never blocks on one: it talks to the WireGuard device and to the interface through the two
// request/reply seams it is given (WireGuardDevice, LinkControl, each with a fake: FakeKernel
// behind the kernel device and the rtnetlink link control), and asks the shell for everything
// that needs a socket the shell's loop waits on (the fact socket, sd_notify, the coordinator
// session's notification fd, stopping the loop). It logs its decisions (the agent is an edge).
//
// Lifecycle (one explicit state, PROTOCOL.md §4 for the cycle itself):
//   starting -> waiting_for_interface (missing before the first cycle, or down) -> waiting_for_key
//   -> running; reloading while a SIGHUP is applied; stopping after TERM/INT or a fatal
//   condition (the interface or device vanished once running: exit 1 so the service manager
//   restarts us). READY goes out exactly once: at the first state that can be reported
//   (waiting or running); watchdog pings go out at half systemd's interval on ticks.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/agent/coordinator_link.hpp"
#include "wirelink/agent/device.hpp"
#include "wirelink/agent/gossip.hpp"
#include "wirelink/agent/link_control.hpp"
#include "wirelink/agent/peer_state_machine.hpp"
#include "wirelink/agent/status.hpp"
#include "wirelink/base/clock.hpp"

namespace wl::agent {

enum class Lifecycle {
  starting,
  waiting_for_interface,  // missing (before the first cycle) or down
  waiting_for_key,        // the device has no private key yet
  running,
  reloading,
  stopping,
};
const char* to_string(Lifecycle s);

// What the shell does for the core.
namespace action {
// Bind the fact socket; report the outcome with AgentCore::on_fact_socket().
struct BindFactSocket {
  IpAddress address;
  unsigned ifindex = 0;
  std::uint16_t port = 0;
};
struct CloseFactSocket {};
// One datagram from the fact socket; port 0 = the fact port the socket is bound to.
struct Send {
  IpAddress dst;
  std::uint16_t port = 0;
  std::vector<std::uint8_t> bytes;
};
// sd_notify.
struct Notify {
  enum class Kind { ready, status, reloading, stopping, watchdog } kind = Kind::status;
  std::string text;
};
// Watch or stop watching the coordinator session's notification fd; when it is readable the
// shell calls AgentCore::on_coordinator().
struct WatchCoordinator {
  int fd = -1;
};
struct UnwatchCoordinator {
  int fd = -1;
};
// Leave the event loop with this exit status.
struct Stop {
  int exit_code = 0;
};
}  // namespace action

using Action =
    std::variant<action::BindFactSocket, action::CloseFactSocket, action::Send, action::Notify,
                 action::WatchCoordinator, action::UnwatchCoordinator, action::Stop>;
using Actions = std::vector<Action>;

using GossipFactory = std::function<std::unique_ptr<GossipView>(const PrivateKey& own,
                                                                const Config& cfg, TimePoint now)>;

// What an exit's data plane needs each cycle (agent/exit): every device peer's tunnel
// prefixes (its allowed IPs but its link-local) and its latest verified coordinator token.
struct ExitPeerView {
  PublicKey key;
  std::string token;
  std::vector<Cidr> tunnel;
};
using ExitSink = std::function<void(const PublicKey& self, const std::vector<ExitPeerView>& peers)>;
std::vector<ExitPeerView> exit_peers(const device_model::DeviceState& dev, const GossipView& g);

struct CoreDeps {
  WireGuardDevice* device = nullptr;    // required
  LinkControl* links = nullptr;         // required
  const Clock* clock = nullptr;         // required (wall time for tokens and status)
  GossipFactory make_gossip;            // required: the fact-gossip engine for a device key
  CoordinatorFactory make_coordinator;  // used when CoordinatorURL is set
  Resolver resolve;  // configured host:port -> endpoints; null: literal addresses only
  std::optional<Duration> watchdog_interval;  // systemd's WatchdogSec, if any
  ExitSink exit_sink;  // null: not an exit; else called at the end of every cycle
};

inline constexpr int kExitOk = 0;
inline constexpr int kExitFatal = 1;

class AgentCore {
 public:
  AgentCore(LoadedConfig cfg, CoreDeps deps, TimePoint now);
  ~AgentCore();
  AgentCore(const AgentCore&) = delete;
  AgentCore& operator=(const AgentCore&) = delete;

  // The loop is up: run the first cycle now.
  Actions on_start(TimePoint now);
  // Periodic wake-up (at least every timing::kMaxSleep): watchdog, binding retries, gossip,
  // and a cycle when one is due.
  Actions on_tick(TimePoint now);
  // rtnetlink events (LinkControl::take_events()).
  Actions on_link_events(const std::vector<LinkEvent>& events, TimePoint now);
  // A fact datagram arrived from `src` (already authenticated by the tunnel).
  Actions on_datagram(const IpAddress& src, std::span<const std::uint8_t> bytes, TimePoint now);
  // The outcome of an action::BindFactSocket.
  Actions on_fact_socket(const Result<void>& bound, TimePoint now);
  // The coordinator session's fd became readable.
  Actions on_coordinator(TimePoint now);
  // SIGHUP with the freshly loaded configuration (or why it could not be loaded).
  Actions on_reload(Result<LoadedConfig> fresh, TimePoint now);
  // TERM, INT, HUP (with on_reload's input read by `reload`), USR1.
  Actions on_signal(int signo, const std::function<Result<LoadedConfig>()>& reload, TimePoint now);
  // The loop has ended: undo what we added (our link-local), stop the coordinator session.
  Actions on_stop(TimePoint now);
  // A control-socket request ("show", "show json").
  std::string on_control(const std::string& request, TimePoint now) const;
  // A control-socket "reload" (what `wirelink reload` and ExecReload= send): applied as
  // on_reload; `reply` says whether the new configuration was taken ("ok: ...") or why the old
  // one stays ("error: ..."), one line each, so the client can exit non-zero with the reason.
  Actions on_control_reload(Result<LoadedConfig> fresh, TimePoint now, std::string& reply);

  // When the shell should call on_tick() next at the latest (an early cycle, a gossip flush);
  // nullopt = the periodic tick is soon enough.
  std::optional<TimePoint> next_wake() const;

  Lifecycle state() const { return state_; }
  const Config& config() const { return loaded_.config; }
  AgentStatus status(TimePoint now) const;
  std::string status_line() const;

 private:
  const std::string& iface() const { return loaded_.config.iface; }
  std::uint16_t fact_port() const;
  void cycle(TimePoint now, Actions& out);
  void cycle_soon(TimePoint now);
  bool check_link(Actions& out);
  void notify(Actions& out, action::Notify::Kind kind, std::string text);
  void report_waiting(Actions& out, Lifecycle s, const std::string& why);
  void fatal(Actions& out);
  void ensure_address();
  void ensure_fact_socket(Actions& out);
  void drop_fact_socket(Actions& out);
  void send_gossip(TimePoint now, Actions& out);
  void start_coordinator(Actions& out);
  void stop_coordinator(Actions& out);
  void new_device_key(const device_model::DeviceState& dev, TimePoint now, Actions& out);

  LoadedConfig loaded_;
  CoreDeps d_;
  TimePoint start_;
  Lifecycle state_ = Lifecycle::starting;
  std::optional<PeerStateMachine> sm_;
  std::unique_ptr<GossipView> gossip_;
  std::unique_ptr<CoordinatorLink> coord_;
  CoordinatorInfo coord_info_;
  PublicKey self_;
  PrivateKey own_;  // the device key self_ belongs to: a restarted coordinator session needs it
  IpAddress link_local_;
  unsigned ifindex_ = 0;
  std::uint16_t listen_port_ = 0;
  // The interface's link-local /64 as we last saw it: on the interface (and whether we added it).
  bool address_ready_ = false;
  bool address_added_ = false;
  // The fact socket: asked for (a BindFactSocket in flight) and bound on `bound_port_`.
  bool bind_pending_ = false;
  std::optional<std::uint16_t> bound_port_;
  std::vector<PublicKey> pending_nudges_;  // endpoint switches decided before the socket was up
  bool ready_sent_ = false;
  std::string reload_outcome_;  // the last on_reload's answer for a control-socket reload
  bool ever_ran_ = false;       // a cycle has reached the device at least once
  std::uint64_t cycles_ = 0;
  std::uint64_t device_errors_ = 0;
  std::uint64_t link_events_ = 0;  // event batches about our interface that ran a cycle
  std::optional<TimePoint> last_cycle_;
  std::optional<TimePoint> cycle_soon_;  // an early cycle is due then (news to act on)
  std::uint64_t gossip_generation_ = 0;  // the gossip's generation our last cycle saw
  std::optional<TimePoint> last_watchdog_;
};

}  // namespace wl::agent
