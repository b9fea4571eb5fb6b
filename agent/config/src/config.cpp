#include "wirelink/agent/config.hpp"

#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "wirelink/agent/config_text.hpp"
#include "wirelink/base/errors.hpp"
#include "wirelink/base/secret_file.hpp"

namespace wl::agent {

using json = nlohmann::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// JSON pointer escaping (RFC 6901).
std::string ptr_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// A location for error messages: "<file>: <pointer>" or "environment WIRELINK_X" etc.
struct Where {
  std::string
      origin;  // "/etc/wireguard/wirelink.wg0.json", "environment WIRELINK_PORT", "flag --port"
  std::string pointer;  // JSON pointer, file only
  std::string text() const { return pointer.empty() ? origin : origin + ": " + pointer; }
};

Error config_error(const Where& w, const std::string& value, const std::string& why) {
  std::string msg = w.text() + ": ";
  if (!value.empty()) msg += value + ": ";
  msg += why;
  return Error{make_error_code(errc::config_invalid), std::move(msg)};
}

// Error messages print bad values bounded in depth and length (config_text.hpp).
std::string show(const json& v) {
  return brief_json(v);
}

std::string json_quote(std::string_view s) {
  return quoted(s);
}

const std::vector<SettingInfo> kSettings = {
    {"Iface", "iface", "string", "WireGuard interface to manage (default wg0)"},
    {"Port", "port", "port",
     "fact-exchange UDP port; 0 = the interface's ListenPort + 1 (default 0)"},
    {"Router", "router", "bool",
     "act as a router; unset = auto-detect (router iff no peer is one)"},
    {"Chatty", "chatty", "bool",
     "send facts to all healthy peers, not only routers (default false)"},
    {"ReportIfaces", "report-ifaces", "list",
     "globs of interfaces whose addresses are advertised as endpoints (default: all)"},
    {"HideIfaces", "hide-ifaces", "list", "globs of interfaces never advertised (default: none)"},
    {"Debug", "debug", "bool", "debug logging (default false)"},
    {"Userspace", "userspace", "bool",
     "when creating a missing interface, use wirelink-wg even if the kernel has WireGuard (default "
     "false)"},
    {"PrivateKeyFile", "private-key-file", "string",
     "private key for creating a missing interface (mode 0600 required); unset: a missing "
     "interface is an error"},
    {"CoordinatorURL", "coordinator-url", "string",
     "wirelink-coordinator base URL, e.g. http://10.0.0.1:8787 (default: none)"},
    {"CoordinatorPublicKey", "coordinator-public-key", "string",
     "coordinator token key, PASERK k4.public.… (default: none)"},
    {"CoordinatorCAFile", "coordinator-ca-file", "string",
     "PEM CA bundle trusted for an https:// CoordinatorURL (default: the system store)"},
    {"InviteFile", "invite-file", "string",
     "file holding the coordinator invite code (mode 0600 required)"},
    {"CoordinatorEndpoint", "coordinator-endpoint", "string",
     "ip:port the coordinator hands to peers matched with this one (default: none)"},
    {"CoordinatorExitCapacity", "coordinator-exit-capacity", "count",
     "offer this peer as an exit for up to N matched clients; 0 = not an exit, and only "
     "non-exits ask for a match (default 0)"},
    {"ExitTraffic", "exit-traffic", "bool",
     "reserved: routing outside traffic through the assigned exit is not implemented yet; the "
     "agent accepts the setting and warns (default false)"},
    {"ExitAllowLAN", "exit-allow-lan", "bool",
     "reserved for ExitTraffic (not implemented yet; default false)"},
    {"ExitHops", "exit-hops", "count",
     "reserved for ExitTraffic: 1 or 2 hops (not implemented yet; default 1)"},
    {"CoordinatorOpenMembership", "coordinator-open-membership", "bool",
     "with a coordinator, let membership facts alone add peers (as without one); by default a "
     "peer also needs a valid session token (default false)"},
    {"MetricsListen", "metrics-listen", "string",
     "serve Prometheus metrics at ip:port (e.g. 127.0.0.1:9586) or a Unix socket path; read at "
     "start (default: off)"},
};

const SettingInfo* find_setting(std::string_view key) {
  const std::string k = lower(key);
  for (const auto& s : kSettings)
    if (lower(s.key) == k) return &s;
  return nullptr;
}

Result<bool> parse_bool_text(const std::string& v) {
  const std::string l = lower(v);
  if (l == "true" || l == "1" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "0" || l == "no" || l == "off") return false;
  return Error{make_error_code(errc::config_invalid), "expected true or false"};
}

// The kernel's rules for a link name (IFNAMSIZ - 1 bytes, no '/', ':', whitespace), plus no
// control characters: the name ends up in paths, log lines and `wirelink show`.
Result<void> check_iface(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..")
    return Error{make_error_code(errc::config_invalid),
                 "expected an interface name of 1..15 characters, not \".\" or \"..\""};
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == ':' || std::isspace(u) || std::iscntrl(u) != 0)
      return Error{make_error_code(errc::config_invalid),
                   "interface names cannot contain '/', ':', whitespace or control characters"};
  }
  return {};
}

// A DNS name as getaddrinfo will take it: at most 253 characters, labels of 1..63. (The
// characters themselves are checked by parse_host_port.)
Result<void> check_host_name(const std::string& host) {
  constexpr std::size_t kMaxName = 253;
  constexpr std::size_t kMaxLabel = 63;
  if (IpAddress::parse(host)) return {};
  if (host.size() > kMaxName)
    return Error{
        make_error_code(errc::config_invalid),
        "host names are at most 253 characters (this one has " + std::to_string(host.size()) + ")"};
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      // A single trailing dot (a rooted name) is allowed; empty labels elsewhere are not.
      if ((label == 0 && i != host.size()) || label > kMaxLabel || (label == 0 && i == 0))
        return Error{make_error_code(errc::config_invalid),
                     "host name labels (between dots) must be 1..63 characters"};
      label = 0;
    } else {
      ++label;
    }
  }
  return {};
}

// http:// to anything but this host sends the invite and bearer tokens in the clear.
bool plain_http_off_host(const std::string& url) {
  constexpr std::string_view kHttp = "http://";
  if (url.rfind(kHttp, 0) != 0) return false;
  std::string host = url.substr(kHttp.size());
  host = host.substr(0, host.find_first_of("/?#"));
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (!host.empty() && host[0] == '[') {
    host = host.substr(
        1, host.find(']') == std::string::npos ? std::string::npos : host.find(']') - 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  if (lower(host) == "localhost") return false;
  auto a = IpAddress::parse(host);
  return !(a && a->is_loopback());
}

// Applies one scalar setting from a JSON value (file) or text (env, flag).
struct Applier {
  Config& c;

  Result<void> apply(const SettingInfo& s, const json& v) {
    const std::string type = s.type;
    if (type == "bool") {
      if (!v.is_boolean()) return err("expected true or false");
      return set_bool(s, v.get<bool>());
    }
    if (type == "port" || type == "count") {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 65535)
        return err("expected an integer 0..65535");
      return set_number(s, static_cast<std::uint16_t>(v.get<std::uint64_t>()));
    }
    if (type == "list") {
      if (!v.is_array()) return err("expected an array of strings");
      std::vector<std::string> items;
      for (const auto& e : v) {
        if (!e.is_string()) return err("expected an array of strings");
        items.push_back(e.get<std::string>());
      }
      return set_list(s, std::move(items));
    }
    if (!v.is_string()) return err("expected a string");
    return set_string(s, v.get<std::string>());
  }

  Result<void> apply_text(const SettingInfo& s, const std::string& text) {
    const std::string type = s.type;
    if (type == "bool") {
      auto b = parse_bool_text(text);
      if (!b) return b.error();
      return set_bool(s, *b);
    }
    if (type == "port" || type == "count") {
      if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), ::isdigit) ||
          std::stoul(text) > 65535)
        return err("expected an integer 0..65535");
      return set_number(s, static_cast<std::uint16_t>(std::stoul(text)));
    }
    if (type == "list") {
      std::vector<std::string> items;
      std::stringstream ss(text);
      std::string item;
      while (std::getline(ss, item, ',')) {
        auto b = item.find_first_not_of(" \t");
        auto e = item.find_last_not_of(" \t");
        if (b != std::string::npos) items.push_back(item.substr(b, e - b + 1));
      }
      return set_list(s, std::move(items));
    }
    return set_string(s, text);
  }

 private:
  static Error err(const char* why) { return Error{make_error_code(errc::config_invalid), why}; }

  Result<void> set_bool(const SettingInfo& s, bool b) {
    const std::string k = s.key;
    if (k == "Router")
      c.router = b;
    else if (k == "Chatty")
      c.chatty = b;
    else if (k == "Debug")
      c.debug = b;
    else if (k == "CoordinatorOpenMembership")
      c.coordinator_open_membership = b;
    else if (k == "Userspace")
      c.userspace = b;
    else if (k == "ExitTraffic")
      c.exit_traffic = b;
    else if (k == "ExitAllowLAN")
      c.exit_allow_lan = b;
    return {};
  }

  Result<void> set_number(const SettingInfo& s, std::uint16_t n) {
    if (std::string(s.key) == "Port") {
      c.port = n;
    } else if (std::string(s.key) == "ExitHops") {
      if (n != 1 && n != 2) return err("expected 1 or 2");
      c.exit_hops = n;
    } else {
      c.coordinator_exit_capacity = n;
    }
    return {};
  }

  Result<void> set_list(const SettingInfo& s, std::vector<std::string> items) {
    for (const auto& g : items)
      if (g.empty()) return err("glob patterns cannot be empty");
    if (std::string(s.key) == "ReportIfaces")
      c.report_ifaces = std::move(items);
    else
      c.hide_ifaces = std::move(items);
    return {};
  }

  Result<void> set_string(const SettingInfo& s, const std::string& v) {
    const std::string k = s.key;
    if (k == "Iface") {
      if (auto r = check_iface(v); !r) return r;
      c.iface = v;
    } else if (k == "PrivateKeyFile") {
      c.private_key_file = v;
    } else if (k == "CoordinatorURL") {
      if (!v.empty() && v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
        return err("expected an http:// or https:// URL");
      c.coordinator_url = v;
    } else if (k == "CoordinatorPublicKey") {
      if (!v.empty() && v.rfind("k4.public.", 0) != 0)
        return err("expected a PASERK public key (k4.public.…)");
      c.coordinator_public_key = v;
    } else if (k == "CoordinatorCAFile") {
      c.coordinator_ca_file = v;
    } else if (k == "InviteFile") {
      c.invite_file = v;
    } else if (k == "CoordinatorEndpoint") {
      // The other side uses it as a WireGuard endpoint as is: a literal address and a port.
      if (!v.empty() && !Endpoint::parse(v))
        return err("expected ip:port or [ipv6]:port (a literal address, no DNS name)");
      c.coordinator_endpoint = v;
    } else if (k == "MetricsListen") {
      if (!v.empty() && v.front() != '/' && !Endpoint::parse(v))
        return err("expected ip:port (a literal address) or an absolute Unix socket path");
      c.metrics_listen = v;
    }
    return {};
  }
};

// Walks a JSON object whose keys are matched case-insensitively; reports unknown and
// duplicate (case-variant) keys.
Result<void> for_each_key(
    const json& obj, const Where& where, const std::vector<std::string>& allowed,
    const std::function<Result<void>(const std::string& canonical, const json& value,
                                     const Where& at)>& fn) {
  std::set<std::string> seen;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    Where at{where.origin, where.pointer + "/" + ptr_token(it.key())};
    const std::string l = lower(it.key());
    auto match = std::find_if(allowed.begin(), allowed.end(),
                              [&](const std::string& a) { return lower(a) == l; });
    if (match == allowed.end()) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return config_error(at, "",
                          "unknown key " + json_quote(it.key()) + "; allowed keys: " + list);
    }
    if (!seen.insert(l).second)
      return config_error(
          at, "", "key " + json_quote(it.key()) + " given twice (keys are case-insensitive)");
    if (auto r = fn(*match, it.value(), at); !r) return r;
  }
  return {};
}

Result<PeerSettings> parse_peer(const json& v, const Where& where) {
  if (!v.is_object())
    return config_error(where, show(v),
                        "expected an object with PublicKey, Name, Trust, FactExchanger, Endpoints, "
                        "AllowedIPs, Basic");
  PeerSettings p;
  bool have_key = false;
  static const std::vector<std::string> keys = {"PublicKey", "Name",       "Trust", "FactExchanger",
                                                "Endpoints", "AllowedIPs", "Basic"};
  auto r = for_each_key(
      v, where, keys, [&](const std::string& k, const json& val, const Where& at) -> Result<void> {
        if (k == "PublicKey") {
          if (!val.is_string())
            return config_error(at, show(val), "expected a base64 public key string");
          auto key = PublicKey::parse(val.get<std::string>());
          if (!key)
            return config_error(at, show(val),
                                "expected a 44-character base64 WireGuard public key");
          p.public_key = *key;
          have_key = true;
        } else if (k == "Name") {
          if (!val.is_string()) return config_error(at, show(val), "expected a string");
          p.name = val.get<std::string>();
        } else if (k == "Trust") {
          if (!val.is_string()) return config_error(at, show(val), "expected a string");
          auto level = trust::parse_level(val.get<std::string>());
          if (!level)
            return config_error(
                at, show(val),
                "expected one of untrusted, endpoint, allowedips, membership, delegate");
          p.trust = *level;
        } else if (k == "FactExchanger" || k == "Basic") {
          if (!val.is_boolean()) return config_error(at, show(val), "expected true or false");
          (k == "Basic" ? p.basic : p.fact_exchanger) = val.get<bool>();
        } else if (k == "Endpoints" || k == "AllowedIPs") {
          if (!val.is_array()) return config_error(at, show(val), "expected an array of strings");
          for (std::size_t i = 0; i < val.size(); ++i) {
            Where item{at.origin, at.pointer + "/" + std::to_string(i)};
            const json& e = val[i];
            if (!e.is_string()) return config_error(item, show(e), "expected a string");
            if (k == "Endpoints") {
              auto hp = parse_host_port(e.get<std::string>());
              if (!hp)
                return config_error(
                    item, show(e),
                    "expected host:port, [IPv6]:port or [fe80::1%iface]:port with port 1..65535");
              if (auto hr = check_host_name(hp->host); !hr)
                return config_error(item, show(e), hr.error().detail);
              p.endpoints.push_back(*hp);
            } else {
              auto cidr = Cidr::parse(e.get<std::string>());
              if (!cidr)
                return config_error(item, show(e),
                                    "expected a CIDR prefix such as 10.0.0.0/24 or fd00::/64");
              p.allowed_ips.push_back(*cidr);
            }
          }
        }
        return {};
      });
  if (!r) return r.error();
  if (!have_key) return config_error(where, "", "peer has no PublicKey");
  return p;
}

Result<std::string> read_file(const std::string& path, bool& found) {
  found = false;
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    const int e = errno;
    if (e == ENOENT) return std::string();
    return Error{make_error_code(errc::config_invalid),
                 path + ": cannot read: " + std::strerror(e)};
  }
  std::stringstream ss;
  ss << f.rdbuf();
  if (f.bad())
    return Error{make_error_code(errc::config_invalid),
                 path + ": cannot read: " + std::strerror(errno)};
  found = true;
  return ss.str();
}

// nlohmann keeps the last of exact duplicate keys silently; detect them while parsing.
// Nesting is bounded before parsing, so no later walk or message over the value can recurse
// deeply (a file nested 100,000 levels once crashed the agent).
Result<json> parse_json_strict(const std::string& text, const std::string& path) {
  if (auto at = json_too_deep(text, kMaxConfigDepth))
    return Error{
        make_error_code(errc::config_invalid),
        path + ": " + *at + ": nested deeper than " + std::to_string(kMaxConfigDepth) + " levels"};
  std::vector<std::set<std::string>> stack;
  std::string duplicate;
  auto cb = [&](int depth, json::parse_event_t ev, json& parsed) {
    (void)depth;
    switch (ev) {
      case json::parse_event_t::object_start:
        stack.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!stack.empty()) stack.pop_back();
        break;
      case json::parse_event_t::key:
        if (!stack.empty() && !stack.back().insert(parsed.get<std::string>()).second &&
            duplicate.empty())
          duplicate = parsed.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    json j = json::parse(text, cb, true, false);
    if (!duplicate.empty())
      return Error{make_error_code(errc::config_invalid),
                   path + ": key " + json_quote(duplicate) + " appears twice in one object"};
    return j;
  } catch (const json::exception& e) {
    // e.what() holds position information ("at line 3, column 5").
    return Error{make_error_code(errc::config_invalid), path + ": not valid JSON: " + e.what()};
  }
}

}  // namespace

const std::vector<SettingInfo>& settings() {
  return kSettings;
}

Result<std::string> config_iface(const ConfigInputs& in) {
  // flag > env > default
  std::string iface = Config{}.iface;
  std::string origin = "default";
  if (auto it = in.env.find("WIRELINK_IFACE"); it != in.env.end()) {
    iface = it->second;
    origin = "env WIRELINK_IFACE";
  }
  for (const auto& f : in.flags) {
    if (f.key == "Iface") {
      iface = f.value;
      origin = "flag " + f.spelling;
    }
  }
  if (auto r = check_iface(iface); !r)
    return config_error(Where{origin, ""}, json_quote(iface), r.error().detail);
  return iface;
}

Result<LoadedConfig> load_config(const ConfigInputs& in) {
  LoadedConfig out;
  Config& c = out.config;
  Applier applier{c};
  for (const auto& s : kSettings) out.sources[s.key] = "default";
  out.sources["Peers"] = "default";

  auto env = [&](const std::string& k) -> const std::string* {
    auto it = in.env.find(k);
    return it == in.env.end() ? nullptr : &it->second;
  };

  // Every value we read from the environment or the command line must be UTF-8: it is shown
  // in messages, --dump-config and `wirelink show` as JSON text.
  for (const auto& s : kSettings) {
    const std::string name = "WIRELINK_" + upper(s.key);
    if (const auto* v = env(name); v && !valid_utf8(*v))
      return config_error(Where{"environment " + name, ""}, "", "not valid UTF-8");
  }
  if (const auto* v = env("WIRELINK_CONFIG_PATH"); v && !valid_utf8(*v))
    return config_error(Where{"environment WIRELINK_CONFIG_PATH", ""}, "", "not valid UTF-8");
  for (const auto& f : in.flags)
    if (!valid_utf8(f.value))
      return config_error(Where{"flag " + f.spelling, ""}, "", "not valid UTF-8");

  // The interface decides which file to read, so it is resolved first.
  auto iface_r = config_iface(in);
  if (!iface_r) return iface_r.error();
  const std::string iface = *iface_r;

  const std::string* cfg_dir = env("WIRELINK_CONFIG_PATH");
  out.file_path = (cfg_dir && !cfg_dir->empty() ? *cfg_dir : std::string("/etc/wireguard")) +
                  "/wirelink." + iface + ".json";

  // 1. File.
  auto text = read_file(out.file_path, out.file_found);
  if (!text) return text.error();
  if (out.file_found) {
    auto parsed = parse_json_strict(*text, out.file_path);
    if (!parsed) return parsed.error();
    const json& root = *parsed;
    Where top{out.file_path, ""};
    if (!root.is_object()) return config_error(top, "", "the top level must be a JSON object");
    std::vector<std::string> allowed;
    allowed.reserve(kSettings.size() + 1);
    for (const auto& s : kSettings) allowed.emplace_back(s.key);
    allowed.emplace_back("Peers");
    const std::string file_src = "file " + out.file_path;
    auto r =
        for_each_key(root, top, allowed,
                     [&](const std::string& k, const json& v, const Where& at) -> Result<void> {
                       if (k == "Peers") {
                         if (!v.is_array())
                           return config_error(at, show(v), "expected an array of peer objects");
                         std::map<PublicKey, std::size_t> seen;
                         for (std::size_t i = 0; i < v.size(); ++i) {
                           Where item{at.origin, at.pointer + "/" + std::to_string(i)};
                           auto p = parse_peer(v[i], item);
                           if (!p) return p.error();
                           auto [it, fresh] = seen.emplace(p->public_key, i);
                           if (!fresh)
                             return config_error(item, json_quote(p->public_key.to_base64()),
                                                 "duplicate peer: the same PublicKey is at " +
                                                     at.pointer + "/" + std::to_string(it->second));
                           c.peers.push_back(std::move(*p));
                         }
                         out.sources["Peers"] = file_src;
                         return {};
                       }
                       const SettingInfo* s = find_setting(k);
                       if (k == "Iface" && (!v.is_string() || v.get<std::string>() != iface))
                         return config_error(at, show(v),
                                             "must match the interface this file is named for (" +
                                                 json_quote(iface) + ")");
                       if (auto ar = applier.apply(*s, v); !ar)
                         return config_error(at, show(v), ar.error().detail);
                       out.sources[s->key] = file_src;
                       return {};
                     });
    if (!r) return r.error();
  }

  // 2. Environment: WIRELINK_<KEY in upper case>.
  for (const auto& s : kSettings) {
    const std::string name = "WIRELINK_" + upper(s.key);
    if (const auto* v = env(name)) {
      if (auto r = applier.apply_text(s, *v); !r)
        return config_error(Where{"environment " + name, ""}, json_quote(*v), r.error().detail);
      out.sources[s.key] = "env " + name;
    }
  }
  for (const auto& [k, v] : in.env) {
    if (k.rfind("WIRELINK_", 0) != 0 || k == "WIRELINK_CONFIG_PATH") continue;
    if (!find_setting(k.substr(9)) || upper(find_setting(k.substr(9))->key) != k.substr(9))
      out.warnings.push_back("ignoring unknown environment variable " + k);
  }

  // 3. Flags.
  for (const auto& f : in.flags) {
    const SettingInfo* s = find_setting(f.key);
    if (!s) return config_error(Where{"flag " + f.spelling, ""}, "", "unknown setting");
    if (auto r = applier.apply_text(*s, f.value); !r)
      return config_error(Where{"flag " + f.spelling, ""}, json_quote(f.value), r.error().detail);
    out.sources[s->key] = "flag " + f.spelling;
  }

  // Secret files are checked now so that a bad one fails the load, not a later step.
  for (const auto* key : {"PrivateKeyFile", "InviteFile"}) {
    const std::string& path =
        std::string(key) == "PrivateKeyFile" ? c.private_key_file : c.invite_file;
    if (path.empty()) continue;
    if (auto r = check_secret_file_permissions(path); !r)
      return config_error(Where{out.sources[key], ""}, "",
                          std::string(key) + " " + r.error().message());
  }
  if (!c.coordinator_url.empty() && c.coordinator_public_key.empty())
    return config_error(Where{out.sources["CoordinatorURL"], ""}, "",
                        "CoordinatorURL needs CoordinatorPublicKey to verify tokens");
  if (!c.coordinator_ca_file.empty() && ::access(c.coordinator_ca_file.c_str(), R_OK) != 0)
    return config_error(
        Where{out.sources["CoordinatorCAFile"], ""}, "",
        "cannot read the CA file " + c.coordinator_ca_file + ": " + std::strerror(errno));
  if (auto w = plain_http_warning(c.coordinator_url); !w.empty()) out.warnings.push_back(w);
  return out;
}

std::string plain_http_warning(const std::string& coordinator_url) {
  if (!plain_http_off_host(coordinator_url)) return {};
  return "CoordinatorURL " + coordinator_url +
         " is plain http:// to another host: the invite and session tokens travel unencrypted "
         "(use https://, with CoordinatorCAFile for a private CA)";
}

std::vector<std::string> reload_warnings(const LoadedConfig& running, const LoadedConfig& fresh) {
  // The running configuration's URL was warned about when it was taken (at start or by the
  // reload that set it), so the same warning again would only repeat itself on every reload.
  const std::string already = plain_http_warning(running.config.coordinator_url);
  std::vector<std::string> out;
  for (const auto& w : fresh.warnings)
    if (already.empty() || w != already) out.push_back(w);
  return out;
}

std::string dump_config_json(const LoadedConfig& lc) {
  const Config& c = lc.config;
  json cfg = json::object();
  cfg["Iface"] = c.iface;
  cfg["Port"] = c.port;
  cfg["Router"] = c.router ? json(*c.router) : json(nullptr);
  cfg["Chatty"] = c.chatty;
  cfg["ReportIfaces"] = c.report_ifaces;
  cfg["HideIfaces"] = c.hide_ifaces;
  cfg["Debug"] = c.debug;
  cfg["Userspace"] = c.userspace;
  cfg["PrivateKeyFile"] = c.private_key_file;
  cfg["CoordinatorURL"] = c.coordinator_url;
  cfg["CoordinatorPublicKey"] = c.coordinator_public_key;
  cfg["CoordinatorCAFile"] = c.coordinator_ca_file;
  cfg["InviteFile"] = c.invite_file;
  cfg["CoordinatorEndpoint"] = c.coordinator_endpoint;
  cfg["CoordinatorExitCapacity"] = c.coordinator_exit_capacity;
  cfg["ExitTraffic"] = c.exit_traffic;
  cfg["ExitAllowLAN"] = c.exit_allow_lan;
  cfg["ExitHops"] = c.exit_hops;
  cfg["CoordinatorOpenMembership"] = c.coordinator_open_membership;
  cfg["MetricsListen"] = c.metrics_listen;
  json peers = json::array();
  for (const auto& p : c.peers) {
    json jp;
    jp["PublicKey"] = p.public_key.to_base64();
    jp["Name"] = p.name;
    jp["Trust"] = p.trust ? json(std::string(trust::to_string(*p.trust))) : json(nullptr);
    jp["FactExchanger"] = p.fact_exchanger;
    json eps = json::array();
    for (const auto& e : p.endpoints)
      eps.push_back(e.host.find(':') != std::string::npos
                        ? "[" + e.host + "]:" + std::to_string(e.port)
                        : e.host + ":" + std::to_string(e.port));
    jp["Endpoints"] = eps;
    json aips = json::array();
    for (const auto& a : p.allowed_ips) aips.push_back(a.to_string());
    jp["AllowedIPs"] = aips;
    jp["Basic"] = p.basic;
    peers.push_back(jp);
  }
  cfg["Peers"] = peers;
  json out;
  out["config"] = cfg;
  out["sources"] = lc.sources;
  out["file"] = {{"path", lc.file_path}, {"found", lc.file_found}};
  return out.dump(2);
}

}  // namespace wl::agent
