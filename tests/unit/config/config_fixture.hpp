// A fixture for configuration tests: a fresh WIRELINK_CONFIG_PATH directory per test, the
// file for an interface in it, and load/fail helpers over load_config.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "wirelink/agent/config.hpp"
#include "wirelink/base/errors.hpp"

namespace wl::agent::test {

class ConfigFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wl-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    env_["WIRELINK_CONFIG_PATH"] = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string file_for(const std::string& iface = "wg0") {
    return (dir_ / ("wirelink." + iface + ".json")).string();
  }
  void write_file(const std::string& text, const std::string& iface = "wg0") {
    std::ofstream(file_for(iface)) << text;
  }
  Result<LoadedConfig> load(std::vector<FlagValue> flags = {}) {
    return load_config(ConfigInputs{std::move(flags), env_});
  }
  // Loads expecting failure (and no exception); returns the message.
  std::string fail(std::vector<FlagValue> flags = {}) {
    Result<LoadedConfig> r = Error{};
    EXPECT_NO_THROW(r = load(std::move(flags)));
    EXPECT_FALSE(r.ok());
    if (r.ok()) return {};
    EXPECT_EQ(r.error().code, make_error_code(errc::config_invalid));
    return r.error().detail;
  }

  std::filesystem::path dir_;
  std::map<std::string, std::string> env_;
};

}  // namespace wl::agent::test
