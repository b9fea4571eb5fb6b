// Logger construction shared by the binaries (wirelink, wirelink-wg): the only place that knows
// how wirelink logs. Under systemd (JOURNAL_STREAM set) each line is "<N>message" with its
// syslog priority and no timestamp, so journald files it at the right level; on a terminal a
// line carries a timestamp and a coloured level. Libraries never log; binaries call this once.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>

namespace wl::log {

// Creates the logger `name`, installs it as spdlog's default and returns it.
std::shared_ptr<spdlog::logger> install_default_logger(const char* name,
                                                       const char* journal_stream_env,
                                                       spdlog::level::level_enum level);

}  // namespace wl::log
