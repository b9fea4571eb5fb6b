#include "wirelink/agent/metrics.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <utility>
#include <vector>

namespace wl::agent {

namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

// Appends one metric family: HELP and TYPE once, then its samples.
class Family {
 public:
  Family(std::string& out, const std::string& name, const char* type, const char* help)
      : out_(out), name_(name) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(double v, const Labels& labels = {}) {
    out_ += name_;
    if (!labels.empty()) {
      out_ += '{';
      for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out_ += ',';
        out_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
      }
      out_ += '}';
    }
    out_ += ' ' + number(v) + '\n';
  }
  void sample(std::uint64_t v, const Labels& labels = {}) {
    sample(static_cast<double>(v), labels);
  }

 private:
  // Integers print without an exponent (counters stay exact up to 2^53); fractions get
  // millisecond precision, plenty for ages and uptime.
  static std::string number(double v) {
    if (v == static_cast<double>(static_cast<std::int64_t>(v)))
      return std::to_string(static_cast<std::int64_t>(v));
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.3f", v);
    return buf;
  }

  std::string& out_;
  std::string name_;
};

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

const char* peer_state(const PeerStatus& p) {
  if (p.healthy) return "healthy";
  return p.alive ? "alive" : "down";
}

const char* peer_path(const PeerStatus& p) {
  if (p.path == "direct") return "direct";
  if (p.path.rfind("via ", 0) == 0) return "relayed";
  return "none";
}

// A peer's labels: its configured name (or "") and the first 8 characters of its key, which
// keep two peers of one name apart.
Labels peer_labels(const PeerStatus& p) {
  return {{"peer", p.name}, {"key", p.key.to_base64().substr(0, 8)}};
}

// A family of one unlabelled sample.
struct Single {
  const char* name;
  const char* type;
  const char* help;
  std::uint64_t value;
};

void render_singles(std::string& out, std::initializer_list<Single> list) {
  for (const auto& m : list) Family(out, m.name, m.type, m.help).sample(m.value);
}

void render_gossip(std::string& out, const AgentStatus& s, const ShellCounters& shell) {
  const GossipCounters& g = s.counters;
  render_singles(out,
                 {
                     {"wirelink_fact_datagrams_received_total", "counter",
                      "Fact datagrams read off the fact socket.", g.datagrams_received},
                     {"wirelink_fact_received_bytes_total", "counter",
                      "Payload bytes of the fact datagrams read.", shell.datagram_bytes_received},
                     {"wirelink_fact_datagrams_sent_total", "counter", "Fact datagrams sent.",
                      g.datagrams_sent},
                     {"wirelink_fact_sent_bytes_total", "counter",
                      "Payload bytes of fact datagrams sent.", g.bytes_sent},
                     {"wirelink_facts_received_total", "counter", "Facts decoded from datagrams.",
                      g.facts_received},
                     {"wirelink_facts_accepted_total", "counter", "Facts accepted into the view.",
                      g.facts_accepted},
                     {"wirelink_tokens_verified_total", "counter",
                      "Coordinator token facts that admitted their subject.", g.tokens_verified},
                 });
  Family rejected(out, "wirelink_facts_rejected_total", "counter", "Facts rejected, by reason.");
  for (const auto& [reason, n] : g.facts_rejected) rejected.sample(n, {{"reason", reason}});
}

void render_peers(std::string& out, const AgentStatus& s) {
  // Every state x path combination, zeros included, so a rate or alert never sees a gap.
  static constexpr std::array kStates = {"healthy", "alive", "down"};
  static constexpr std::array kPaths = {"direct", "relayed", "none"};
  std::map<std::pair<std::string, std::string>, std::uint64_t> by;
  for (const char* st : kStates)
    for (const char* pa : kPaths) by[{st, pa}] = 0;
  for (const auto& p : s.peers) ++by[{peer_state(p), peer_path(p)}];
  Family peers(out, "wirelink_peers", "gauge", "Peers by state and path.");
  for (const auto& [k, n] : by) peers.sample(n, {{"state", k.first}, {"path", k.second}});

  Family age(out, "wirelink_peer_last_handshake_age_seconds", "gauge",
             "Seconds since the peer's last WireGuard handshake (absent: never).");
  const std::size_t shown = std::min(s.peers.size(), kMaxPeerSeries);
  for (std::size_t i = 0; i < shown; ++i)
    if (const auto& p = s.peers[i]; p.handshake_age)
      age.sample(seconds(*p.handshake_age), peer_labels(p));
  Family(out, "wirelink_peer_series_omitted", "gauge",
         "Peers left out of the per-peer series (cardinality bound).")
      .sample(static_cast<std::uint64_t>(s.peers.size() - shown));
}

void render_coordinator(std::string& out, const AgentStatus& s) {
  static constexpr std::array kStates = {"starting", "registered", "unreachable", "refused",
                                         "expired",  "stopped",    "disabled"};
  const std::string now = s.coordinator_enabled ? s.coordinator.state : "disabled";
  Family st(out, "wirelink_coordinator_session_state", "gauge",
            "1 for the coordinator session's current state, 0 for the others.");
  bool known = false;
  for (const char* k : kStates) {
    known = known || now == k;
    st.sample(std::uint64_t{now == k}, {{"state", k}});
  }
  if (!known) st.sample(std::uint64_t{1}, {{"state", now}});  // a state added later still shows
}

}  // namespace

std::string escape_label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string render_metrics(const AgentStatus& s, const ShellCounters& shell,
                           const std::string& version) {
  std::string out;
  Family(out, "wirelink_build_info", "gauge", "Always 1; the labels say which build runs.")
      .sample(std::uint64_t{1}, {{"version", version}, {"iface", s.iface}, {"backend", s.backend}});
  Family(out, "wirelink_uptime_seconds", "gauge", "Seconds since the agent started.")
      .sample(seconds(s.uptime));
  render_singles(out,
                 {
                     {"wirelink_router", "gauge", "1 when this agent acts as a router.", s.router},
                     {"wirelink_interface_up", "gauge", "1 when the WireGuard interface is up.",
                      s.interface_up},
                     {"wirelink_cycles_total", "counter", "Decision cycles run.", s.cycles},
                     {"wirelink_device_errors_total", "counter", "Failed device reads or writes.",
                      s.device_errors},
                     {"wirelink_link_events_total", "counter", "Address and link changes seen.",
                      s.link_events},
                     {"wirelink_reloads_total", "counter",
                      "Configuration reloads asked for (signal, control socket, confirm window).",
                      shell.reloads},
                     {"wirelink_metrics_scrapes_total", "counter", "Metrics requests answered.",
                      shell.metrics_scrapes},
                 });
  render_gossip(out, s, shell);
  render_peers(out, s);
  render_coordinator(out, s);
  return out;
}

}  // namespace wl::agent
