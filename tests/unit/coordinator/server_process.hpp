// Test helper: runs a real wirelink-coordinator process on 127.0.0.1 with an ephemeral port.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace wl::test {

inline std::string coordinator_binary() {
  const char* b = std::getenv("WL_BINARY_DIR");
  return std::string(b ? b : ".") + "/bin/wirelink-coordinator";
}

// Runs the CLI to completion and returns {exit status, stdout}.
inline std::pair<int, std::string> run_cli(const std::vector<std::string>& args) {
  std::string cmd = coordinator_binary();
  for (const auto& a : args) cmd += " '" + a + "'";
  cmd += " 2>/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {-1, {}};
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "wlco-XXXXXX").string();
    path_ = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class ServerProcess {
 public:
  // `db` must exist or be creatable; extra args follow "serve".
  ServerProcess(const std::string& dir, const std::string& db, std::vector<std::string> extra) {
    port_file_ = dir + "/port-" + std::to_string(++counter());
    std::filesystem::remove(port_file_);
    std::vector<std::string> args = {
        coordinator_binary(), "serve",    "--listen",    "127.0.0.1:0", "--db", db,
        "--port-file",        port_file_, "--log-level", "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    // Wait for the port file (the server writes it after listen()).
    for (int i = 0; i < 600 && port_ == 0; ++i) {
      std::ifstream f(port_file_);
      if (f >> port_) break;
      int st;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~ServerProcess() { stop(SIGTERM); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool running() const { return pid_ > 0 && port_ != 0; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Returns the exit status (or 128+signal).
  int stop(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  pid_t pid_ = -1;
  int port_ = 0;
  std::string port_file_;
};

}  // namespace wl::test
