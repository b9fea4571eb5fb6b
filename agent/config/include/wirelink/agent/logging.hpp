// Logging setup. Under systemd (JOURNAL_STREAM set) lines carry syslog priority prefixes
// ("<6>message") and no timestamps, so journald files them at the right level.
#pragma once

namespace wl::agent {
void setup_logging(bool debug, const char* journal_stream_env);
}
