#include "wirelink/agent/apply_command.hpp"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "wirelink/agent/apply_state.hpp"
#include "wirelink/agent/control_socket.hpp"

namespace wl::agent {

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Loads `content` as the agent would load its file, from a private temporary directory.
Result<LoadedConfig> validate(const ConfigInputs& in, const std::string& iface,
                              const std::string& content) {
  char tmpl[] = "/tmp/wirelink-apply-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return os_error("mkdtemp");
  const std::string dir = tmpl;
  {
    std::ofstream f(dir + "/wirelink." + iface + ".json");
    f << content;
  }
  ConfigInputs probe = in;
  probe.env["WIRELINK_CONFIG_PATH"] = dir;
  auto r = load_config(probe);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return r;
}

}  // namespace

std::string config_file_for(const ConfigInputs& in, const std::string& iface) {
  auto it = in.env.find("WIRELINK_CONFIG_PATH");
  const std::string dir =
      it != in.env.end() && !it->second.empty() ? it->second : std::string("/etc/wireguard");
  return dir + "/wirelink." + iface + ".json";
}

int run_apply(const ConfigInputs& in, const std::vector<std::string>& positional,
              const std::string& window, std::ostream& out, std::ostream& err) {
  if (positional.size() != 1) {
    err << "wirelink apply: expected one configuration file\n";
    return kExitUsage;
  }
  std::int64_t seconds = 0;
  if (!window.empty()) {
    auto w = parse_window(window);
    if (!w) {
      err << "wirelink apply: --confirm " << w.error().message() << '\n';
      return kExitUsage;
    }
    seconds = *w;
  }
  auto iface = config_iface(in);
  if (!iface) {
    err << "wirelink apply: " << iface.error().detail << '\n';
    return kExitUsage;
  }
  std::ifstream f(positional[0], std::ios::binary);
  if (!f) {
    err << "wirelink apply: cannot read " << positional[0] << '\n';
    return kExitFailure;
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  const std::string content = ss.str();
  if (auto v = validate(in, *iface, content); !v) {
    err << "wirelink apply: " << positional[0]
        << " does not validate, nothing changed: " << v.error().detail << '\n';
    return kExitUsage;
  }
  const std::string file = config_file_for(in, *iface);
  if (auto r = begin_apply(file, content, seconds, now_unix()); !r) {
    err << "wirelink apply: install: " << r.error().message() << '\n';
    return kExitFailure;
  }
  out << *iface << ": installed " << positional[0] << " as " << file << '\n';
  auto reply = control_request(control_socket_path(*iface), "reload");
  if (!reply) {
    out << *iface << ": the agent is not running; it reads the file when it starts\n";
  } else if (reply->rfind("ok:", 0) != 0) {
    // Validated above, so the agent refusing it is unexpected: go back at once.
    if (seconds > 0) (void)restore_last_good(file);
    err << "wirelink apply: the agent refused the configuration"
        << (seconds > 0 ? " (previous file restored)" : "") << ": " << *reply;
    return kExitFailure;
  } else {
    out << *iface << ": " << *reply;
  }
  if (seconds > 0)
    out << *iface << ": run `wirelink confirm " << *iface << "` within " << seconds
        << " s, or the agent goes back to the previous configuration by itself\n";
  return 0;
}

int run_confirm(const ConfigInputs& in, std::ostream& out, std::ostream& err) {
  auto iface = config_iface(in);
  if (!iface) {
    err << "wirelink confirm: " << iface.error().detail << '\n';
    return kExitUsage;
  }
  auto r = confirm_apply(config_file_for(in, *iface));
  if (!r) {
    err << "wirelink confirm: " << r.error().message() << '\n';
    return kExitFailure;
  }
  if (!*r) {
    err << "wirelink confirm: " << *iface
        << ": no apply is pending (already confirmed, or its window passed and the previous "
           "configuration is back)\n";
    return kExitFailure;
  }
  out << *iface << ": confirmed; the applied configuration stays\n";
  return 0;
}

}  // namespace wl::agent
