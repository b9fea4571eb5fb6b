// Command-line parsing for `wirelink`. Pure: argv in, a Command or an error out.
#pragma once

#include <string>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/base/result.hpp"

namespace wl::agent {

struct Command {
  // run, show, reload, apply, confirm, genkey, pubkey, derive-ll, help, version
  std::string name = "run";
  std::vector<FlagValue> config_flags;
  bool dump_config = false;
  bool json = false;
  std::string confirm_window;  // apply --confirm <window>; "" = a plain apply
  std::vector<std::string> positional;
};

Result<Command> parse_command_line(const std::vector<std::string>& args);
std::string help_text();

}  // namespace wl::agent
