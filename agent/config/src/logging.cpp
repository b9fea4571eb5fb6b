#include "wirelink/agent/logging.hpp"

#include "wirelink/log/logger.hpp"

namespace wl::agent {

void setup_logging(bool debug, const char* journal_stream_env) {
  wl::log::install_default_logger("wirelink", journal_stream_env,
                                  debug ? spdlog::level::debug : spdlog::level::info);
}

}  // namespace wl::agent
