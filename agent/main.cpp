// wirelink: the agent binary and its helper subcommands.
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <string>

#include "wirelink/agent/agent.hpp"
#include "wirelink/agent/apply_command.hpp"
#include "wirelink/agent/async_resolver.hpp"
#include "wirelink/agent/cli.hpp"
#include "wirelink/agent/config.hpp"
#include "wirelink/agent/control_socket.hpp"
#include "wirelink/agent/coordinator_link_loader.hpp"
#include "wirelink/agent/create_interface.hpp"
#include "wirelink/agent/device.hpp"
#include "wirelink/agent/facts_gossip.hpp"
#include "wirelink/agent/logging.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/base/version.hpp"

extern char** environ;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    if (auto eq = kv.find('='); eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

// Reads all of stdin into a fixed buffer that is wiped afterwards (it may hold a private key).
std::string trimmed_stdin(std::array<char, 1024>& buf) {
  std::size_t n = 0;
  while (n < buf.size()) {
    ssize_t r = ::read(STDIN_FILENO, buf.data() + n, buf.size() - n);
    if (r <= 0) break;
    n += static_cast<std::size_t>(r);
  }
  std::size_t b = 0;
  while (b < n && std::isspace(static_cast<unsigned char>(buf[b]))) ++b;
  while (n > b && std::isspace(static_cast<unsigned char>(buf[n - 1]))) --n;
  return std::string(buf.data() + b, n - b);
}

int cmd_genkey() {
  auto k = wl::generate_private_key();
  std::string text = wl::private_key_to_base64(k);
  std::cout << text << '\n';
  sodium_memzero(text.data(), text.size());
  return 0;
}

int cmd_pubkey() {
  std::array<char, 1024> buf{};
  std::string text = trimmed_stdin(buf);
  auto k = wl::parse_private_key(text);
  sodium_memzero(buf.data(), buf.size());
  sodium_memzero(text.data(), text.size());
  if (!k) {
    std::cerr << "wirelink pubkey: a 44-character base64 private key is required on stdin\n";
    return kExitFailure;
  }
  std::cout << wl::public_key_of(*k).to_base64() << '\n';
  return 0;
}

int cmd_derive_ll(const std::vector<std::string>& pos) {
  std::string text;
  if (pos.size() > 1) {
    std::cerr << "wirelink derive-ll: expected one public key\n";
    return kExitUsage;
  }
  if (pos.empty() || pos[0] == "-") {
    std::array<char, 1024> buf{};
    text = trimmed_stdin(buf);
  } else {
    text = pos[0];
  }
  auto key = wl::PublicKey::parse(text);
  if (!key) {
    std::cerr << "wirelink derive-ll: " << key.error().detail << '\n';
    return kExitUsage;
  }
  std::cout << wl::link_local_for(*key).to_string() << '\n';
  return 0;
}

int cmd_show(const std::string& iface, bool json) {
  auto path = wl::agent::control_socket_path(iface);
  auto r = wl::agent::control_request(path, json ? "show json" : "show");
  if (!r) {
    std::cerr << "wirelink show: " << r.error().message() << " (is the agent for " << iface
              << " running?)\n";
    return kExitFailure;
  }
  if (r->rfind("error:", 0) == 0) {
    std::cerr << "wirelink show: " << *r;
    return kExitFailure;
  }
  std::cout << *r;
  return 0;
}

// Asks the running agent to reread its configuration. The agent reads the file itself (as
// SIGHUP does) and answers "ok: ..." or "error: <why the old configuration stays>": this is
// ExecReload= in the units, so `systemctl reload` fails with the reason when the agent refuses.
int cmd_reload(const std::string& iface) {
  auto path = wl::agent::control_socket_path(iface);
  auto r = wl::agent::control_request(path, "reload");
  if (!r) {
    std::cerr << "wirelink reload: " << r.error().message() << " (is the agent for " << iface
              << " running?)\n";
    return kExitFailure;
  }
  if (r->rfind("ok:", 0) != 0) {
    std::cerr << "wirelink reload: " << iface << ": "
              << (r->empty() ? "no answer from the agent\n" : *r);
    return kExitFailure;
  }
  std::cout << iface << ": " << *r;
  return 0;
}

// Picks the device backend: a UAPI socket that answers wins (it shadows a kernel link of the
// same name, as in `wg`); otherwise the kernel's generic netlink family.
wl::Result<std::unique_ptr<wl::agent::WireGuardDevice>> pick_device(const std::string& iface) {
  auto path = wl::agent::uapi_socket_path(iface);
  if (wl::agent::uapi_socket_answers(path)) return wl::agent::make_uapi_device(path);
  auto k = wl::agent::make_kernel_device(iface);
  if (!k) return k.error();
  // Probe once so a link that is neither kernel WireGuard nor UAPI fails clearly at start.
  if (auto st = (*k)->get(); !st)
    return wl::Error{st.error().code,
                     "no UAPI socket at " + path + ", and the kernel says: " + st.error().detail};
  return k;
}

int cmd_run(wl::agent::LoadedConfig loaded, const wl::agent::ConfigInputs& in) {
  const std::string iface = loaded.config.iface;
  auto links_r = wl::agent::make_system_link_control();
  if (!links_r) {
    spdlog::error("{}: rtnetlink: {}", iface, links_r.error().message());
    return kExitFailure;
  }
  auto links = std::move(*links_r);
  if (auto l = links->link(iface); !l) {
    if (l.error().code != std::make_error_code(std::errc::no_such_device)) {
      spdlog::error("{}: {}", iface, l.error().message());
      return kExitFailure;
    }
    auto created = wl::agent::create_interface(loaded.config);
    if (!created) {
      spdlog::error("{}", created.error().message());
      return kExitFailure;
    }
    spdlog::info("{}: created the interface ({}), listening on port {}", iface, *created,
                 wl::agent::kCreatedListenPort);
  }
  auto device = pick_device(iface);
  if (!device) {
    spdlog::error("{}: not a WireGuard device: {}", iface, device.error().message());
    return kExitFailure;
  }
  static wl::SystemClock clock;
  // DNS names in Endpoints are looked up on a worker thread, never in the event loop.
  static wl::agent::AsyncResolver resolver(wl::agent::lookup_with_getaddrinfo, clock);
  const wl::agent::Resolver resolve = [](const wl::HostPort& hp) { return resolver.resolve(hp); };
  wl::agent::AgentDeps deps;
  deps.resolve = resolve;
  deps.device = std::move(*device);
  deps.make_gossip = [](const wl::PrivateKey& own, const wl::agent::Config& cfg,
                        wl::TimePoint now) {
    return wl::agent::make_facts_gossip(own, cfg, now, &clock);
  };
  deps.make_coordinator =
      wl::agent::coordinator_link_factory(wl::agent::default_coordinator_link_module_path());
  deps.links = std::move(links);
  deps.notifier = wl::agent::make_systemd_notifier();
  deps.clock = &clock;
  deps.reload = [in] {
    wl::agent::ConfigInputs fresh = in;
    fresh.env = environment();
    return wl::agent::load_config(fresh);
  };
  return wl::agent::run_agent(std::move(loaded), std::move(deps));
}

}  // namespace

int run_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = wl::agent::parse_command_line(args);
  if (!cmd) {
    std::cerr << "wirelink: " << cmd.error().detail << '\n';
    return kExitUsage;
  }
  if (cmd->name == "help") {
    std::cout << wl::agent::help_text();
    return 0;
  }
  if (cmd->name == "version") {
    std::cout << "wirelink " << wl::kVersion << '\n';
    return 0;
  }
  if (cmd->name == "genkey") return cmd_genkey();
  if (cmd->name == "pubkey") return cmd_pubkey();
  if (cmd->name == "derive-ll") return cmd_derive_ll(cmd->positional);

  if (cmd->name == "apply")
    return wl::agent::run_apply({cmd->config_flags, environment()}, cmd->positional,
                                cmd->confirm_window, std::cout, std::cerr);
  if (cmd->name == "show" || cmd->name == "reload" || cmd->name == "confirm") {
    // `show [iface]` and `reload [iface]` name the interface positionally.
    if (cmd->positional.size() > 1) {
      std::cerr << "wirelink " << cmd->name << ": expected at most one interface name\n";
      return kExitUsage;
    }
    if (!cmd->positional.empty())
      cmd->config_flags.push_back({"Iface", cmd->positional[0], cmd->name + " <iface>"});
  } else if (!cmd->positional.empty()) {
    std::cerr << "wirelink: unexpected argument \"" << cmd->positional[0]
              << "\" (see wirelink --help)\n";
    return kExitUsage;
  }

  wl::agent::ConfigInputs in{cmd->config_flags, environment()};
  if (cmd->name == "confirm") return wl::agent::run_confirm(in, std::cout, std::cerr);
  if (cmd->name == "reload") {
    // Not load_config: a broken file is exactly what the agent has to report.
    auto iface = wl::agent::config_iface(in);
    if (!iface) {
      std::cerr << "wirelink: " << iface.error().detail << '\n';
      return kExitUsage;
    }
    return cmd_reload(*iface);
  }
  auto loaded = wl::agent::load_config(in);
  if (!loaded && cmd->name == "show" && !cmd->dump_config) {
    // The running agent holds the configuration it loaded; a broken file on disk (the next
    // reload's problem) must not hide it.
    auto iface = wl::agent::config_iface(in);
    if (!iface) {
      std::cerr << "wirelink: " << iface.error().detail << '\n';
      return kExitUsage;
    }
    std::cerr << "wirelink show: warning: the configuration does not load (the running agent "
                 "keeps its own until it loads): "
              << loaded.error().detail << '\n';
    return cmd_show(*iface, cmd->json);
  }
  if (!loaded) {
    std::cerr << "wirelink: " << loaded.error().detail << '\n';
    return kExitUsage;
  }
  if (cmd->dump_config) {
    std::cout << wl::agent::dump_config_json(*loaded) << '\n';
    return 0;
  }
  wl::agent::setup_logging(loaded->config.debug, std::getenv("JOURNAL_STREAM"));
  for (const auto& w : loaded->warnings) spdlog::warn("{}", w);

  if (cmd->name == "show") return cmd_show(loaded->config.iface, cmd->json);
  return cmd_run(std::move(*loaded), in);
}

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "wirelink: fatal: " << e.what() << '\n';
    return kExitFailure;
  }
}
