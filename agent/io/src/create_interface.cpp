#include "wirelink/agent/create_interface.hpp"

#include <linux/netlink.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "wirelink/agent/device.hpp"
#include "wirelink/base/errors.hpp"
#include "wirelink/base/secret_file.hpp"
#include "wirelink/netlink/errors.hpp"
#include "wirelink/netlink/rtnl_client.hpp"
#include "wirelink/netlink_socket/mnl_socket.hpp"

namespace wl::agent {
namespace {

// Keeps the step's code, so its reason is said once, at the end of the message.
Error step_error(const std::string& iface, const std::string& step, const Error& e) {
  return Error{e.code, iface + ": cannot create the interface: " + step + ": " + e.detail};
}

std::string userspace_daemon() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto sibling = self.parent_path() / "wirelink-wg";
    if (::access(sibling.c_str(), X_OK) == 0) return sibling.string();
  }
  return "wirelink-wg";  // execvp searches PATH
}

// Runs argv[0] (PATH searched) and waits for it; its exit status, or an error if it could not run.
Result<int> run_and_wait(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return os_error("fork");
  if (pid == 0) {
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Under systemd (booted with it, and this process started by it) wirelink-wg runs as its own
// unit, wirelink-wg@<iface>.service: a child forked here would live in the agent's cgroup and
// die with every stop, restart, watchdog kill and upgrade of the agent, taking the interface and
// its peers with it. Elsewhere (a shell, a container without systemd) it is forked directly and
// outlives the agent by detaching.
bool under_systemd() {
  const char* id = std::getenv("INVOCATION_ID");
  return id != nullptr && *id != '\0' && ::access("/run/systemd/system", F_OK) == 0;
}

// wirelink-wg detaches and its starting process exits 0 once the TUN and UAPI socket exist;
// wirelink-wg@.service is Type=forking, so `systemctl start` returns at the same moment.
Result<void> start_userspace(const std::string& iface) {
  const bool unit = under_systemd();
  const std::string daemon = userspace_daemon();
  const std::vector<std::string> argv =
      unit ? std::vector<std::string>{"systemctl", "--no-ask-password", "start",
                                      "wirelink-wg@" + iface + ".service"}
           : std::vector<std::string>{daemon, iface};
  auto code = run_and_wait(argv);
  if (!code) return code.error();
  if (*code != 0) {
    const std::string what = unit ? "systemctl start wirelink-wg@" + iface +
                                        ".service (see "
                                        "journalctl -u wirelink-wg@" +
                                        iface + ")"
                                  : daemon + " " + iface;
    return make_error(std::errc::no_such_device, what + " failed (exit status " +
                                                     std::to_string(*code) +
                                                     (*code == 127 ? ": not found" : "") + ")");
  }
  // Its socket exists when it reports ready; allow a moment for it to accept connections.
  const auto path = uapi_socket_path(iface);
  for (int i = 0; i < 50 && !uapi_socket_answers(path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (!uapi_socket_answers(path))
    return make_error(std::errc::timed_out, daemon + " started but " + path + " does not answer");
  return {};
}

}  // namespace

Result<std::string> create_interface(const Config& config) {
  const std::string& iface = config.iface;
  if (config.private_key_file.empty())
    return Error{make_error_code(std::errc::no_such_device),
                 iface + ": no such interface (set PrivateKeyFile to let wirelink create it)"};
  auto key = read_private_key_file(config.private_key_file);
  if (!key) return step_error(iface, "PrivateKeyFile", key.error());

  auto sock = netlink_socket::MnlSocket::open(NETLINK_ROUTE);
  if (!sock) return step_error(iface, "rtnetlink", sock.error());
  netlink::RouteClient rt(**sock);

  std::string how = "kernel";
  if (!config.userspace) {
    auto created = rt.create_wireguard(iface);
    if (!created) {
      if (created.error().code != make_error_code(netlink::errc::wireguard_unavailable))
        return step_error(iface, "create a kernel WireGuard link", created.error());
      how = "userspace";
    }
  } else {
    how = "userspace";
  }
  if (how == "userspace") {
    if (auto r = start_userspace(iface); !r)
      return step_error(iface, "start wirelink-wg", r.error());
  }

  std::unique_ptr<WireGuardDevice> device;
  if (how == "userspace") {
    device = make_uapi_device(uapi_socket_path(iface));
  } else {
    auto k = make_kernel_device(iface);
    if (!k) return step_error(iface, "generic netlink", k.error());
    device = std::move(*k);
  }
  device_model::DeviceConfig dc;
  dc.ifname = iface;
  dc.private_key = std::move(*key);
  dc.listen_port = kCreatedListenPort;
  if (auto r = device->set(dc); !r)
    return step_error(iface, "set the private key and port", r.error());

  auto link = rt.get_link(iface);
  if (!link) return step_error(iface, "find the new link", link.error());
  if (auto r = rt.set_up(link->index, true); !r) return step_error(iface, "bring it up", r.error());
  return how;
}

}  // namespace wl::agent
