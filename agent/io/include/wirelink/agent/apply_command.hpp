// `wirelink apply [--confirm WINDOW] FILE` and `wirelink confirm [iface]` (commit-confirm).
//
// Contract: apply validates FILE exactly as the agent would load it (same flags and
// environment, the file in place of wirelink.<iface>.json) before anything on disk changes;
// then installs it through begin_apply (apply_state.hpp) and asks the running agent to reload
// over the control socket. Exit status: 0 done (also when no agent runs: it reads the file when
// it starts), 1 a runtime failure (named), 2 bad usage or a FILE that does not validate.
// confirm ends a pending apply: 0 confirmed, 1 nothing pending (never applied, already
// confirmed, or the window passed and the agent went back).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "wirelink/agent/config.hpp"

namespace wl::agent {

int run_apply(const ConfigInputs& in, const std::vector<std::string>& positional,
              const std::string& window, std::ostream& out, std::ostream& err);
int run_confirm(const ConfigInputs& in, std::ostream& out, std::ostream& err);

// ${WIRELINK_CONFIG_PATH:-/etc/wireguard}/wirelink.<iface>.json, as load_config finds it.
std::string config_file_for(const ConfigInputs& in, const std::string& iface);

}  // namespace wl::agent
