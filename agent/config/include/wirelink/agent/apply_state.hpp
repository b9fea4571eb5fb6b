// Commit-confirm for `wirelink apply --confirm <window>`: the pending state lives on disk next
// to the configuration file, so it survives an agent restart inside the window.
//
// Contract: files are replaced atomically (written to "<file>.tmp", fsynced, renamed), in an
// order that leaves a consistent state after a crash at any point:
//   begin_apply:  last-known-good copy, then the pending record, then the new file;
//   restore:      the last-known-good contents back into place, then the pending record gone;
//   confirm:      the pending record gone (the new file stays).
// So whenever "<file>.pending" exists, "<file>.last-good" holds what to go back to, and a
// restore repeated after a crash gives the same result. Times are wall-clock Unix seconds
// (the window must hold across an agent restart, which a monotonic clock does not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "wirelink/base/result.hpp"

namespace wl::agent {

struct PendingApply {
  std::int64_t deadline_unix = 0;  // restore last-known-good at or after this time
};

std::string pending_path(const std::string& config_file);    // "<file>.pending"
std::string last_good_path(const std::string& config_file);  // "<file>.last-good"

// One line: "deadline <unix seconds>\n". Parse errors name what was wrong.
std::string render_pending(const PendingApply& p);
Result<PendingApply> parse_pending(const std::string& text);

// nullopt when no apply is pending; an error when the record is unreadable or corrupt.
Result<std::optional<PendingApply>> read_pending(const std::string& config_file);

enum class ConfirmStep { idle, waiting, restore };
ConfirmStep confirm_step(const std::optional<PendingApply>& p, std::int64_t now_unix);

// Writes `content` to `path` atomically with mode `mode`.
Result<void> replace_file(const std::string& path, const std::string& content, unsigned mode);

// Installs `content` as the configuration. With a window (> 0 s), keeps the current file as
// last-known-good and records the deadline first; without one, replaces the file and ends any
// pending apply (a plain apply is final). The caller validates `content` before and reloads the
// agent after.
Result<void> begin_apply(const std::string& config_file, const std::string& content,
                         std::int64_t window_seconds, std::int64_t now_unix);
// Keeps the applied file: true when an apply was pending.
Result<bool> confirm_apply(const std::string& config_file);
// Puts last-known-good back and ends the pending apply; the caller reloads.
Result<void> restore_last_good(const std::string& config_file);
// The agent's check, once a tick: true when the window has passed and last-known-good is back
// in place (the caller reloads).
Result<bool> restore_if_expired(const std::string& config_file, std::int64_t now_unix);

// "90", "90s", "5m", "1h" -> seconds (1 s .. 24 h).
Result<std::int64_t> parse_window(const std::string& text);

}  // namespace wl::agent
