// The agent's configuration: defaults < file < environment < flags, per key.
//
// File: ${WIRELINK_CONFIG_PATH:-/etc/wireguard}/wirelink.<iface>.json. Keys are
// case-insensitive; unknown keys, wrong types and bad values are errors naming the file, the
// JSON pointer, the value and what is allowed. Loading is all-or-nothing: on error the caller
// keeps whatever configuration it had.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "wirelink/base/ip.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/result.hpp"
#include "wirelink/trust/level.hpp"

namespace wl::agent {

struct PeerSettings {
  PublicKey public_key;
  std::string name;
  std::optional<trust::Level> trust;
  bool fact_exchanger = false;
  std::vector<HostPort> endpoints;
  std::vector<Cidr> allowed_ips;
  bool basic = false;
};

struct Config {
  std::string iface = "wg0";
  std::uint16_t port = 0;      // 0 = WireGuard ListenPort + 1
  std::optional<bool> router;  // absent = auto-detect
  bool chatty = false;
  std::vector<std::string> report_ifaces;  // globs; empty = all
  std::vector<std::string> hide_ifaces;    // globs
  bool debug = false;
  bool userspace = false;              // create the interface with wirelink-wg if missing
  std::string private_key_file;        // used when wirelink creates the interface
  std::string coordinator_url;         // empty = no coordinator
  std::string coordinator_public_key;  // k4.public PASERK of the coordinator
  std::string coordinator_ca_file;     // PEM CA bundle for https (empty: the system store)
  std::string invite_file;             // invite code for registration (a secret file)
  std::string coordinator_endpoint;    // "ip:port" given to peers matched with us (addr_hint)
  std::uint16_t coordinator_exit_capacity = 0;  // > 0: offered as an exit for this many clients
  // Exits (README "Exits"): send all outside traffic through the assigned exit, with a kill
  // switch while none is live; keep local subnets outside the tunnel; 1 = direct, 2 = relayed.
  bool exit_traffic = false;
  bool exit_allow_lan = false;
  std::uint16_t exit_hops = 1;
  // With a coordinator: false (default) = a peer joins only while it holds a valid session
  // token (membership facts alone no longer add it); true = membership facts suffice.
  bool coordinator_open_membership = false;
  std::string metrics_listen;  // "ip:port" or a Unix socket path; empty = no metrics endpoint
  std::vector<PeerSettings> peers;

  // The settings a coordinator session is started with; a reload that changes any of them
  // restarts the session.
  bool same_coordinator_settings(const Config& o) const {
    return coordinator_url == o.coordinator_url &&
           coordinator_public_key == o.coordinator_public_key &&
           coordinator_ca_file == o.coordinator_ca_file && invite_file == o.invite_file &&
           coordinator_endpoint == o.coordinator_endpoint &&
           coordinator_exit_capacity == o.coordinator_exit_capacity;
  }
};

// Where each effective value came from: "default", "file <path>", "env WIRELINK_X",
// "flag --x". Keyed by the canonical key name (e.g. "ReportIfaces").
using SourceMap = std::map<std::string, std::string>;

struct LoadedConfig {
  Config config;
  SourceMap sources;
  std::string file_path;  // the file consulted (whether or not it existed)
  bool file_found = false;
  std::vector<std::string> warnings;
};

// A setting given on the command line, by canonical key name.
struct FlagValue {
  std::string key;
  std::string value;
  std::string spelling;  // e.g. "--port"
};

struct ConfigInputs {
  std::vector<FlagValue> flags;
  std::map<std::string, std::string> env;  // the process environment
};

Result<LoadedConfig> load_config(const ConfigInputs& in);

// Only the interface name (flag > env > default), checked; the rest of the configuration is
// not read. `wirelink show` uses it to reach a running agent even when the file is broken.
Result<std::string> config_iface(const ConfigInputs& in);

// The warning for a CoordinatorURL that is plain http:// to a host other than this one (the
// invite and tokens would travel in the clear); empty when the URL is https or loopback.
std::string plain_http_warning(const std::string& coordinator_url);

// The warnings a reload prints: fresh.warnings, less the plain-http warning when the running
// configuration has the same URL (it was printed when that URL was taken), so the agent warns
// once per process and again only when the URL changes.
std::vector<std::string> reload_warnings(const LoadedConfig& running, const LoadedConfig& fresh);

// The effective configuration and sources as JSON text (for --dump-config).
std::string dump_config_json(const LoadedConfig& c);

// Canonical key names and the flag that sets each (for --help and flag parsing).
struct SettingInfo {
  const char* key;   // "ReportIfaces"
  const char* flag;  // "report-ifaces"
  const char* type;  // "bool", "port", "string", "list"
  const char* help;
};
const std::vector<SettingInfo>& settings();

}  // namespace wl::agent
