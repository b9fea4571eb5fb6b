// wirelink-wg: userspace WireGuard daemon with wireguard-go's command line:
//   wirelink-wg [-f|--foreground] <interface>
// Without -f it detaches once the interface and the UAPI socket are ready (the parent exits 0
// then, or 1 with the error). Exit status: 0 on SIGINT/SIGTERM, 1 on an error or when the
// interface or socket disappears, 2 on a usage error.
#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "wirelink/base/version.hpp"
#include "wirelink/log/logger.hpp"
#include "wirelink/wg/crypto/primitives.hpp"
#include "wirelink/wg/device/device.hpp"

namespace {

void setup_logging() {
  // LOG_LEVEL as wireguard-go reads it: verbose/debug, error, silent; default info.
  const char* lvl = std::getenv("LOG_LEVEL");
  auto level = spdlog::level::info;
  if (lvl != nullptr) {
    const std::string l = lvl;
    if (l == "verbose" || l == "debug") level = spdlog::level::debug;
    if (l == "error") level = spdlog::level::err;
    if (l == "silent") level = spdlog::level::off;
  }
  wl::log::install_default_logger("wirelink-wg", std::getenv("JOURNAL_STREAM"), level);
}

void usage(FILE* f) {
  std::fprintf(
      f,
      "Usage: wirelink-wg [-f|--foreground] INTERFACE\n"
      "       wirelink-wg --version\n"
      "Userspace WireGuard. Serves the UAPI socket /var/run/wireguard/INTERFACE.sock for wg(8).\n");
}

}  // namespace

int main(int argc, char** argv) {
  bool foreground = false;
  std::string ifname;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-f" || a == "--foreground") {
      foreground = true;
    } else if (a == "--version" || a == "-v") {
      std::printf("wirelink-wg %s\n", wl::kVersion);
      return 0;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (ifname.empty() && !a.empty() && a[0] != '-') {
      ifname = a;
    } else {  // an unknown option, or a second interface
      usage(stderr);
      return 2;
    }
  }
  if (ifname.empty()) {
    usage(stderr);
    return 2;
  }
  if (const char* f = std::getenv("WG_PROCESS_FOREGROUND"); f != nullptr && std::string(f) == "1")
    foreground = true;

  int ready_pipe[2] = {-1, -1};
  if (!foreground) {
    if (::pipe2(ready_pipe, O_CLOEXEC) != 0) {
      std::perror("pipe");
      return 1;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      std::perror("fork");
      return 1;
    }
    if (pid > 0) {
      ::close(ready_pipe[1]);
      char status = 1;
      if (::read(ready_pipe[0], &status, 1) != 1) status = 1;
      return status == 0 ? 0 : 1;
    }
    ::close(ready_pipe[0]);
    ::setsid();
  }
  setup_logging();

  // Signals arrive on a signalfd; block them before any thread starts so all inherit it.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  const int sfd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);

  // Transport AEAD: OpenSSL by default (much faster here), libsodium on request.
  const char* aead = std::getenv("WIRELINK_WG_AEAD");
  const bool sodium = aead != nullptr && std::string(aead) == "sodium";
  wl::wg::crypto::set_aead_backend(sodium ? wl::wg::crypto::AeadBackend::sodium
                                          : wl::wg::crypto::AeadBackend::openssl);
  spdlog::debug("{}: ChaCha20-Poly1305 from {}", ifname, sodium ? "libsodium" : "OpenSSL");

  wl::wg::device::DeviceOptions opt;
  opt.ifname = ifname;
  if (const char* w = std::getenv("WIRELINK_WG_CRYPTO_WORKERS"); w != nullptr && *w != '\0')
    opt.crypto_workers = static_cast<int>(std::strtol(w, nullptr, 10));
  auto dev = wl::wg::device::Device::create(opt);
  if (!dev) {
    spdlog::error("{}: {}", ifname, dev.error().message());
    if (ready_pipe[1] >= 0) {
      const char one = 1;
      [[maybe_unused]] auto r = ::write(ready_pipe[1], &one, 1);
    }
    return 1;
  }
  if (ready_pipe[1] >= 0) {
    const char zero = 0;
    [[maybe_unused]] auto r = ::write(ready_pipe[1], &zero, 1);
    ::close(ready_pipe[1]);
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::close(null);
    }
  }
  spdlog::info("{}: wirelink-wg {} running", ifname, wl::kVersion);
  const int rc = (*dev)->run(sfd);
  dev->reset();
  return rc;
}
