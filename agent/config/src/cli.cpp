#include "wirelink/agent/cli.hpp"

#include <algorithm>

#include "wirelink/base/errors.hpp"

namespace wl::agent {

namespace {
const std::vector<std::string> kCommands = {"run",    "show",   "reload",    "apply", "confirm",
                                            "genkey", "pubkey", "derive-ll", "help",  "version"};

Error usage(const std::string& why) {
  return Error{make_error_code(errc::config_invalid), why + " (see wirelink --help)"};
}
}  // namespace

Result<Command> parse_command_line(const std::vector<std::string>& args) {
  Command cmd;
  bool command_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "--") {
      for (++i; i < args.size(); ++i) cmd.positional.push_back(args[i]);
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      if (!command_seen && cmd.positional.empty() &&
          std::find(kCommands.begin(), kCommands.end(), a) != kCommands.end()) {
        cmd.name = a;
        command_seen = true;
      } else {
        cmd.positional.push_back(a);
      }
      continue;
    }
    // Short forms.
    if (a == "-h")
      a = "--help";
    else if (a == "-v")
      a = "--version";
    else if (a == "-d")
      a = "--debug";
    else if (a == "-i")
      a = "--iface";
    if (a.rfind("--", 0) != 0) return usage("unknown option " + a);

    std::string name = a.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "help" || name == "version") {
      if (has_value) return usage("--" + name + " takes no value");
      cmd.name = name;
      command_seen = true;
      continue;
    }
    if (name == "dump-config" || name == "dump") {
      if (has_value) return usage("--" + name + " takes no value");
      cmd.dump_config = true;
      continue;
    }
    if (name == "confirm") {
      if (!has_value) {
        if (i + 1 >= args.size()) return usage("--confirm needs a window, e.g. 60s");
        value = args[++i];
      }
      cmd.confirm_window = value;
      continue;
    }
    if (name == "json") {
      if (has_value) return usage("--json takes no value");
      cmd.json = true;
      continue;
    }
    const SettingInfo* s = nullptr;
    for (const auto& info : settings())
      if (name == info.flag) s = &info;
    if (!s) return usage("unknown option --" + name);
    if (!has_value) {
      if (std::string(s->type) == "bool") {
        value = "true";
      } else {
        if (i + 1 >= args.size()) return usage("--" + name + " needs a value");
        value = args[++i];
      }
    }
    cmd.config_flags.push_back(FlagValue{s->key, value, "--" + name});
  }
  return cmd;
}

std::string help_text() {
  std::string h =
      "Usage: wirelink [run] [options]          run the agent for an interface\n"
      "       wirelink show [iface] [--json]     show a running agent's peers and counters\n"
      "       wirelink reload [iface]            make a running agent reread its configuration;\n"
      "                                          exit 1 with its reason when it keeps the old one\n"
      "       wirelink apply [--confirm 60s] FILE [--iface wg0]\n"
      "                                          validate FILE, install it atomically as the\n"
      "                                          configuration and reload the agent; with\n"
      "                                          --confirm the agent goes back to the previous\n"
      "                                          file by itself unless confirmed in time\n"
      "       wirelink confirm [iface]           keep the configuration a pending apply installed\n"
      "       wirelink genkey                    print a new private key (base64)\n"
      "       wirelink pubkey                    read a private key on stdin, print its public "
      "key\n"
      "       wirelink derive-ll <public-key>    print the peer's IPv6 link-local address\n"
      "       wirelink --dump-config [options]   print the effective configuration and its "
      "sources\n"
      "       wirelink --version | --help\n"
      "\n"
      "Options (each also settable as WIRELINK_<KEY> in the environment or <Key> in the file):\n";
  for (const auto& s : settings()) {
    std::string flag = std::string("  --") + s.flag;
    if (std::string(s.type) == "bool")
      flag += "[=BOOL]";
    else if (std::string(s.type) == "list")
      flag += " GLOB,...";
    else if (std::string(s.type) == "port")
      flag += " PORT";
    else if (std::string(s.type) == "count")
      flag += " N";
    else
      flag += " VALUE";
    if (flag.size() < 34)
      flag.resize(34, ' ');
    else
      flag += "\n" + std::string(34, ' ');
    std::string key = std::string("[") + s.key + "] ";
    h += flag + key + s.help + "\n";
  }
  h +=
      "  -i, -d                            short for --iface, --debug\n"
      "  --dump-config                     print the effective configuration as JSON and exit\n"
      "  --json                            machine-readable output for `show`\n"
      "  --confirm WINDOW                  for `apply`: 90, 60s, 5m, 1h (at most 24h)\n"
      "  -h, --help                        this text\n"
      "  -v, --version                     print the version\n"
      "\n"
      "Environment:\n"
      "  WIRELINK_<KEY>          any setting above, key in upper case (e.g. WIRELINK_PORT=51821,\n"
      "                          WIRELINK_REPORTIFACES=eth*,en*; booleans true/false/1/0)\n"
      "  WIRELINK_CONFIG_PATH    directory holding wirelink.<iface>.json (default /etc/wireguard)\n"
      "  JOURNAL_STREAM          set by systemd: log with syslog priority prefixes, no timestamps\n"
      "\n"
      "Configuration file: ${WIRELINK_CONFIG_PATH:-/etc/wireguard}/wirelink.<iface>.json with the\n"
      "keys above plus Peers: [{PublicKey, Name, Trust, FactExchanger, Endpoints, AllowedIPs,\n"
      "Basic}]. Precedence: flags > environment > file > defaults.\n"
      "\n"
      "Exit status: 0 success, 1 runtime failure, 2 invalid configuration or usage.\n";
  return h;
}

}  // namespace wl::agent
