#include "wirelink/agent/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

namespace wl::agent {
namespace {

int syslog_priority(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    case spdlog::level::critical:
      return 2;
    default:
      return 6;
  }
}

class JournalStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::fprintf(stderr, "<%d>%.*s\n", syslog_priority(msg.level),
                 static_cast<int>(msg.payload.size()), msg.payload.data());
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(bool debug, const char* journal_stream_env) {
  std::shared_ptr<spdlog::logger> logger;
  if (journal_stream_env != nullptr && *journal_stream_env != '\0') {
    logger = std::make_shared<spdlog::logger>("wirelink", std::make_shared<JournalStderrSink>());
  } else {
    logger = spdlog::stderr_color_mt("wirelink");
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  }
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace wl::agent
