#include "wirelink/agent/apply_state.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <sstream>

namespace wl::agent {

namespace {

Result<std::optional<std::string>> read_if_exists(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int e = errno;
    if (e == ENOENT) return std::optional<std::string>();
    return make_error(std::errc(e), "stat " + path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(std::errc::io_error, "read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::optional<std::string>(ss.str());
}

Result<void> remove_if_exists(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    const int e = errno;
    return make_error(std::errc(e), "remove " + path);
  }
  return {};
}

// The mode the configuration has now (0644 for a new one), so a restore or an apply does not
// widen or narrow who may read it.
unsigned mode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
}

}  // namespace

std::string pending_path(const std::string& config_file) {
  return config_file + ".pending";
}

std::string last_good_path(const std::string& config_file) {
  return config_file + ".last-good";
}

std::string render_pending(const PendingApply& p) {
  return "deadline " + std::to_string(p.deadline_unix) + "\n";
}

Result<PendingApply> parse_pending(const std::string& text) {
  static constexpr std::string_view kKey = "deadline ";
  std::string_view t(text);
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.remove_suffix(1);
  if (t.substr(0, kKey.size()) != kKey)
    return make_error(std::errc::invalid_argument, "pending apply: expected \"deadline <unix>\"");
  t.remove_prefix(kKey.size());
  PendingApply p;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), p.deadline_unix);
  if (ec != std::errc() || end != t.data() + t.size() || p.deadline_unix <= 0)
    return make_error(std::errc::invalid_argument, "pending apply: bad deadline");
  return p;
}

Result<std::optional<PendingApply>> read_pending(const std::string& config_file) {
  auto text = read_if_exists(pending_path(config_file));
  if (!text) return text.error();
  if (!*text) return std::optional<PendingApply>();
  auto p = parse_pending(**text);
  if (!p) return p.error();
  return std::optional<PendingApply>(*p);
}

ConfirmStep confirm_step(const std::optional<PendingApply>& p, std::int64_t now_unix) {
  if (!p) return ConfirmStep::idle;
  return now_unix >= p->deadline_unix ? ConfirmStep::restore : ConfirmStep::waiting;
}

Result<void> replace_file(const std::string& path, const std::string& content, unsigned mode) {
  const std::string tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    const int e = errno;
    return make_error(std::errc(e), "create " + tmp);
  }
  ::fchmod(fd, mode);  // O_CREAT's mode passes the umask; this one is meant
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(std::errc(e ? e : EIO), "write " + tmp);
    }
    done += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int e = errno;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int re = synced ? errno : e;
    ::unlink(tmp.c_str());
    return make_error(std::errc(re), "install " + path);
  }
  return {};
}

Result<void> begin_apply(const std::string& config_file, const std::string& content,
                         std::int64_t window_seconds, std::int64_t now_unix) {
  const unsigned mode = mode_of(config_file);
  if (window_seconds > 0) {
    // An apply already waiting keeps its last-known-good: that is the state known to work.
    auto pending = read_pending(config_file);
    if (!pending) return pending.error();
    if (!*pending) {
      auto current = read_if_exists(config_file);
      if (!current) return current.error();
      if (!*current)
        return make_error(std::errc::no_such_file_or_directory,
                          config_file + ": no current configuration to go back to");
      if (auto r = replace_file(last_good_path(config_file), **current, mode); !r) return r;
    }
    if (auto r = replace_file(pending_path(config_file),
                              render_pending({now_unix + window_seconds}), 0600);
        !r)
      return r;
    return replace_file(config_file, content, mode);
  }
  // A plain apply is final: it also ends an apply that was waiting for confirmation.
  if (auto r = replace_file(config_file, content, mode); !r) return r;
  if (auto r = confirm_apply(config_file); !r) return r.error();
  return {};
}

Result<bool> confirm_apply(const std::string& config_file) {
  auto pending = read_if_exists(pending_path(config_file));
  if (!pending) return pending.error();
  if (auto r = remove_if_exists(pending_path(config_file)); !r) return r.error();
  if (auto r = remove_if_exists(last_good_path(config_file)); !r) return r.error();
  return pending->has_value();
}

Result<void> restore_last_good(const std::string& config_file) {
  auto good = read_if_exists(last_good_path(config_file));
  if (!good) return good.error();
  if (*good) {
    if (auto r = replace_file(config_file, **good, mode_of(config_file)); !r) return r;
  }
  // Without a last-known-good copy (removed by hand) there is nothing to go back to; ending
  // the pending apply stops the agent from trying every tick.
  if (auto r = remove_if_exists(pending_path(config_file)); !r) return r;
  return remove_if_exists(last_good_path(config_file));
}

Result<bool> restore_if_expired(const std::string& config_file, std::int64_t now_unix) {
  auto pending = read_pending(config_file);
  if (!pending) return pending.error();
  if (confirm_step(*pending, now_unix) != ConfirmStep::restore) return false;
  if (auto r = restore_last_good(config_file); !r) return r.error();
  return true;
}

Result<std::int64_t> parse_window(const std::string& text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  std::int64_t scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1;
  else if (unit == "m")
    scale = 60;
  else if (unit == "h")
    scale = 3600;
  if (ec != std::errc() || scale == 0 || n <= 0 || n > 86400 / scale)
    return make_error(std::errc::invalid_argument,
                      "\"" + text + "\": expected a window such as 60s, 5m or 1h (at most 24h)");
  return n * scale;
}

}  // namespace wl::agent
