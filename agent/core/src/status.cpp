#include "wirelink/agent/status.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace wl::agent {

namespace {

std::string json_string(std::string_view s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        o += "\\\"";
        break;
      case '\\':
        o += "\\\\";
        break;
      case '\n':
        o += "\\n";
        break;
      case '\r':
        o += "\\r";
        break;
      case '\t':
        o += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

std::string json_bool(bool b) {
  return b ? "true" : "false";
}

double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string json_seconds(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", seconds(d));
  return buf;
}

std::string json_cidrs(const std::vector<Cidr>& v) {
  std::string o = "[";
  for (std::size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + json_string(v[i].to_string());
  return o + "]";
}

bool has(const std::vector<Cidr>& v, const Cidr& c) {
  return std::find(v.begin(), v.end(), c) != v.end();
}

// Allowed IPs to show: all the device has plus trusted ones not applied yet.
struct AipRow {
  Cidr cidr;
  bool applied;
  bool trusted;
};
std::vector<AipRow> aip_rows(const PeerStatus& p) {
  std::vector<AipRow> rows;
  for (const auto& c : p.device_allowed_ips)
    rows.push_back({c, true, has(p.trusted_allowed_ips, c)});
  for (const auto& c : p.trusted_allowed_ips)
    if (!has(p.device_allowed_ips, c)) rows.push_back({c, false, true});
  return rows;
}

// The endpoint traffic uses: the device's while the peer is healthy, none while it is probed.
std::optional<Endpoint> in_use(const PeerStatus& p) {
  return p.healthy ? p.endpoint : std::nullopt;
}

std::string path_of(const PeerStatus& p) {
  if (!p.path.empty()) return p.path;
  return p.healthy ? "direct" : "none";
}

std::string unix_seconds(WallTime t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

std::string candidate_text(const CandidateStatus& c) {
  return c.name.empty() ? c.endpoint.to_string() : c.name;
}

std::string json_candidates(const std::vector<CandidateStatus>& v) {
  std::string o = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto& c = v[i];
    o += std::string(i ? "," : "") + "{\"endpoint\":" + json_string(candidate_text(c)) +
         ",\"reach\":" + json_string(c.reach) +
         ",\"last_tried_unix\":" + (c.last_tried ? unix_seconds(*c.last_tried) : "null") +
         ",\"result\":" + json_string(c.result) + "}";
  }
  return o + "]";
}

}  // namespace

std::string human_duration(Duration d) {
  using namespace std::chrono;
  auto total = duration_cast<std::chrono::seconds>(d).count();
  if (total < 0) total = 0;
  struct U {
    long long secs;
    const char* name;
  } units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
  std::string o;
  for (const auto& u : units) {
    long long n = total / u.secs;
    total %= u.secs;
    if (n == 0) continue;
    if (!o.empty()) o += ", ";
    o += std::to_string(n) + " " + u.name + (n == 1 ? "" : "s");
  }
  return o.empty() ? "0 seconds" : o;
}

std::string human_bytes(std::uint64_t b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(b));
  else
    std::snprintf(buf, sizeof(buf), "%.2f %s", v, units[u]);
  return buf;
}

std::string render_json(const AgentStatus& s) {
  std::string o = "{\"schema\":1";
  o += ",\"interface\":" + json_string(s.iface);
  o += ",\"backend\":" + json_string(s.backend);
  o += ",\"public_key\":" + json_string(s.public_key.to_base64());
  o += ",\"link_local\":" + json_string(s.link_local.to_string());
  o += ",\"listen_port\":" + std::to_string(s.listen_port);
  o += ",\"fact_port\":" + std::to_string(s.fact_port);
  o += ",\"fact_socket_bound\":" + json_bool(s.fact_socket_bound);
  o += ",\"router\":" + json_bool(s.router);
  o += ",\"interface_up\":" + json_bool(s.interface_up);
  o += ",\"allow_deconfigure\":" + json_bool(s.allow_deconfigure);
  o += ",\"allow_delete\":" + json_bool(s.allow_delete);
  o += ",\"uptime_seconds\":" + json_seconds(s.uptime);
  o += ",\"cycles\":" + std::to_string(s.cycles);
  o += ",\"device_errors\":" + std::to_string(s.device_errors);
  o += ",\"link_events\":" + std::to_string(s.link_events);
  o += ",\"config_file\":" + json_string(s.config_file);
  o += ",\"peers\":[";
  for (std::size_t i = 0; i < s.peers.size(); ++i) {
    const auto& p = s.peers[i];
    o += i ? ",{" : "{";
    o += "\"public_key\":" + json_string(p.key.to_base64());
    o += ",\"name\":" + json_string(p.name);
    o += ",\"link_local\":" + json_string(p.link_local.to_string());
    o += ",\"endpoint\":" + (p.endpoint ? json_string(p.endpoint->to_string()) : "null");
    o +=
        ",\"handshake_age_seconds\":" + (p.handshake_age ? json_seconds(*p.handshake_age) : "null");
    o += ",\"healthy\":" + json_bool(p.healthy);
    o += ",\"alive\":" + json_bool(p.alive);
    o += ",\"alive_remaining_seconds\":" +
         (p.alive_remaining ? json_seconds(*p.alive_remaining) : "null");
    o += ",\"trust\":" + json_string(trust::to_string(p.trust.level));
    o += ",\"trust_source\":" + json_string(p.trust.source);
    o += ",\"configured\":" + json_bool(p.configured);
    o += ",\"basic\":" + json_bool(p.basic);
    o += ",\"router\":" + json_bool(p.router);
    o += ",\"allowed_ips\":[";
    auto rows = aip_rows(p);
    for (std::size_t j = 0; j < rows.size(); ++j)
      o += std::string(j ? "," : "") + "{\"cidr\":" + json_string(rows[j].cidr.to_string()) +
           ",\"applied\":" + json_bool(rows[j].applied) +
           ",\"trusted\":" + json_bool(rows[j].trusted) + "}";
    o += "]";
    o += ",\"trusted_allowed_ips\":" + json_cidrs(p.trusted_allowed_ips);
    o += ",\"device_allowed_ips\":" + json_cidrs(p.device_allowed_ips);
    o += ",\"endpoint_candidates\":" + std::to_string(p.endpoint_candidates);
    const auto used = in_use(p);
    o += ",\"endpoint_in_use\":" + (used ? json_string(used->to_string()) : "null");
    o += ",\"path\":" + json_string(path_of(p));
    o += ",\"path_reason\":" + json_string(p.path_reason);
    o += ",\"candidates\":" + json_candidates(p.candidates);
    o += ",\"rx_bytes\":" + std::to_string(p.rx_bytes);
    o += ",\"tx_bytes\":" + std::to_string(p.tx_bytes);
    o += "}";
  }
  o += "]";
  const auto& c = s.counters;
  o += ",\"counters\":{\"datagrams_received\":" + std::to_string(c.datagrams_received);
  o += ",\"facts_received\":" + std::to_string(c.facts_received);
  o += ",\"facts_accepted\":" + std::to_string(c.facts_accepted);
  o += ",\"facts_rejected\":{";
  bool first = true;
  for (const auto& [why, n] : c.facts_rejected) {
    o += (first ? "" : ",") + json_string(why) + ":" + std::to_string(n);
    first = false;
  }
  o += "},\"facts_ignored\":" + std::to_string(c.facts_ignored);
  o += ",\"tokens_verified\":" + std::to_string(c.tokens_verified);
  o += ",\"datagrams_sent\":" + std::to_string(c.datagrams_sent);
  o += ",\"bytes_sent\":" + std::to_string(c.bytes_sent) + "}";
  o += ",\"coordinator\":";
  if (!s.coordinator_enabled) {
    o += "null";
  } else {
    const auto& k = s.coordinator;
    o += "{\"url\":" + json_string(k.url);
    o += ",\"state\":" + json_string(k.state);
    o += ",\"has_token\":" + json_bool(k.has_token);
    o += ",\"token_expires_unix\":" +
         (k.has_token ? std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                           k.token_expires.time_since_epoch())
                                           .count())
                      : std::string("null"));
    o += ",\"token_expires_in_seconds\":" +
         (k.has_token ? json_seconds(k.token_expires - s.wall_now) : std::string("null"));
    o += ",\"cohort\":" + json_string(k.cohort);
    o += ",\"assigned_peers\":" + std::to_string(k.assigned_peers);
    o += ",\"last_error\":" + json_string(k.last_error);
    o += ",\"detail\":" + json_string(k.detail);
    o += ",\"warning\":" + json_string(k.warning);
    o += ",\"role\":" + json_string(k.exit ? "exit" : "client");
    o += ",\"path\":[";
    for (std::size_t i = 0; i < k.path.size(); ++i)
      o += (i ? "," : "") + json_string(k.path[i].to_base64());
    o += "],\"exit\":" + (k.path.empty() ? "null" : json_string(k.path.back().to_base64()));
    const auto count = [](int n) { return n < 0 ? std::string("null") : std::to_string(n); };
    o += ",\"exit_cohorts\":" + count(k.exit ? k.exit_cohorts : -1);
    o += ",\"exit_clients\":" + count(k.exit ? k.exit_clients : -1) + "}";
  }
  o += "}";
  return o;
}

std::string render_table(const AgentStatus& s) {
  std::string o;
  auto kv = [&](const char* k, const std::string& v) {
    o += std::string("  ") + k + ": " + v + "\n";
  };
  o += "interface: " + s.iface + "\n";
  kv("public key", s.public_key.to_base64());
  kv("link-local", s.link_local.to_string() + "/64");
  kv("backend", s.backend + (s.interface_up ? "" : " (interface down: waiting)"));
  kv("listening port", std::to_string(s.listen_port));
  kv("fact port", std::to_string(s.fact_port) + (s.fact_socket_bound ? "" : " (not bound yet)"));
  kv("router", s.router ? "yes" : "no");
  kv("uptime", human_duration(s.uptime) + ", " + std::to_string(s.cycles) + " cycles");
  const auto& c = s.counters;
  std::string rej;
  std::uint64_t rej_total = 0;
  for (const auto& [why, n] : c.facts_rejected) {
    rej += (rej.empty() ? "" : ", ") + why + " " + std::to_string(n);
    rej_total += n;
  }
  kv("facts", "received " + std::to_string(c.facts_received) + ", accepted " +
                  std::to_string(c.facts_accepted) + ", rejected " + std::to_string(rej_total) +
                  (rej.empty() ? "" : " (" + rej + ")") + ", ignored " +
                  std::to_string(c.facts_ignored) + " (sender not trusted for them)");
  kv("sent", std::to_string(c.datagrams_sent) + " datagrams, " + human_bytes(c.bytes_sent));
  if (s.coordinator_enabled) {
    const auto& k = s.coordinator;
    std::string line = k.state + (k.detail.empty() ? "" : ", " + k.detail) + " (" + k.url + ")";
    if (k.has_token)
      line += ", token " + (k.token_expires > s.wall_now
                                ? "expires in " + human_duration(k.token_expires - s.wall_now)
                                : std::string("expired"));
    else
      line += ", no token";
    line += k.cohort.empty()
                ? ", no cohort"
                : ", cohort " + k.cohort + " (" + std::to_string(k.assigned_peers) + " peers)";
    kv("coordinator", line);
    if (!k.path.empty()) {
      // The exit is the last hop; a relay, if any, comes before it.
      std::string p;
      for (std::size_t i = 0; i + 1 < k.path.size(); ++i)
        p += "relay " + k.path[i].to_base64() + " -> ";
      kv("coordinator path", p + "exit " + k.path.back().to_base64());
    }
    if (k.exit)
      kv("exit service", k.exit_cohorts < 0 ? std::string("not reported yet")
                                            : std::to_string(k.exit_cohorts) + " cohorts, " +
                                                  std::to_string(k.exit_clients) + " clients");
    if (!k.warning.empty()) kv("coordinator warning", k.warning);
    if (!k.last_error.empty()) kv("coordinator error", k.last_error);
    kv("tokens verified", std::to_string(c.tokens_verified));
  }
  if (s.peers.empty()) return o;

  // The peer table: one row per peer, then its allowed IPs as continuation rows.
  const std::vector<std::string> head = {"PEER",      "NAME",  "LINK-LOCAL", "ENDPOINT",   "PATH",
                                         "HANDSHAKE", "STATE", "TRUST",      "ALLOWED IPS"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : s.peers) {
    const std::string path = path_of(p);
    // A peer the router relays for us is reachable even when no alive ping came straight from it.
    const bool relayed = path.starts_with("via ");
    std::string state = std::string(p.healthy ? "healthy" : "unhealthy") + "," +
                        (p.alive   ? "alive"
                         : relayed ? "relayed"
                                   : "not-alive");
    if (p.basic) state += ",basic";
    if (p.router) state += ",router";
    std::string hs = p.handshake_age ? human_duration(*p.handshake_age) + " ago" : "never";
    auto aips = aip_rows(p);
    auto aip_text = [&](std::size_t i) {
      if (i >= aips.size()) return std::string(i == 0 ? "(none)" : "");
      return aips[i].cidr.to_string() + (aips[i].applied ? "" : " (trusted, not applied)");
    };
    const auto used = in_use(p);
    rows.push_back({p.key.to_base64(), p.name.empty() ? "-" : p.name, p.link_local.to_string(),
                    used ? used->to_string() : "(none)", path, hs, state,
                    std::string(trust::to_string(p.trust.level)) + " (" + p.trust.source + ")",
                    aip_text(0)});
    for (std::size_t i = 1; i < aips.size(); ++i)
      rows.push_back({"", "", "", "", "", "", "", "", aip_text(i)});
  }
  std::vector<std::size_t> w(head.size());
  for (std::size_t i = 0; i < head.size(); ++i) w[i] = head[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  auto line = [&](const std::vector<std::string>& r) {
    std::string l;
    for (std::size_t i = 0; i < r.size(); ++i) {
      l += r[i];
      if (i + 1 < r.size()) l += std::string(w[i] - r[i].size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    o += l + "\n";
  };
  o += "\n";
  line(head);
  for (const auto& r : rows) line(r);
  o += "\n";
  for (const auto& p : s.peers)
    o += "transfer " + p.key.to_base64().substr(0, 8) + "...: " + human_bytes(p.rx_bytes) +
         " received, " + human_bytes(p.tx_bytes) + " sent\n";
  // Why a peer is not direct, and what was tried.
  for (const auto& p : s.peers) {
    if (p.path_reason.empty() && p.candidates.empty()) continue;
    o += "path " + p.key.to_base64().substr(0, 8) + "...: " + path_of(p) +
         (p.path_reason.empty() ? "" : " (" + p.path_reason + ")") + "\n";
    for (const auto& cand : p.candidates)
      o += "  candidate " + candidate_text(cand) + " (" + cand.reach + "): " + cand.result +
           (cand.last_tried ? ", last tried " + decide::clock_time(*cand.last_tried) : "") + "\n";
  }
  return o;
}

}  // namespace wl::agent
