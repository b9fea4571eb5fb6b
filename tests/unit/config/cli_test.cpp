#include <gtest/gtest.h>

#include "wirelink/agent/cli.hpp"

namespace wl::agent {
namespace {

TEST(Cli, DefaultCommandIsRunWithFlags) {
  auto c = parse_command_line({"-i", "wg3", "--port=51821", "--router", "--chatty=false", "-d"});
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->name, "run");
  ASSERT_EQ(c->config_flags.size(), 5u);
  EXPECT_EQ(c->config_flags[0].key, "Iface");
  EXPECT_EQ(c->config_flags[0].value, "wg3");
  EXPECT_EQ(c->config_flags[1].value, "51821");
  EXPECT_EQ(c->config_flags[2].value, "true");
  EXPECT_EQ(c->config_flags[3].value, "false");
  EXPECT_EQ(c->config_flags[4].key, "Debug");
}

TEST(Cli, Subcommands) {
  EXPECT_EQ(parse_command_line({"genkey"})->name, "genkey");
  auto d = parse_command_line({"derive-ll", "KEY"});
  EXPECT_EQ(d->name, "derive-ll");
  EXPECT_EQ(d->positional, std::vector<std::string>{"KEY"});
  auto s = parse_command_line({"show", "wg1", "--json"});
  EXPECT_EQ(s->name, "show");
  EXPECT_TRUE(s->json);
  EXPECT_EQ(parse_command_line({"--help"})->name, "help");
  EXPECT_EQ(parse_command_line({"-v"})->name, "version");
  EXPECT_TRUE(parse_command_line({"--dump-config"})->dump_config);
}

TEST(Cli, Errors) {
  EXPECT_FALSE(parse_command_line({"--nope"}));
  EXPECT_FALSE(parse_command_line({"--port"}));  // missing value
  EXPECT_FALSE(parse_command_line({"-x"}));
  EXPECT_FALSE(parse_command_line({"--help=1"}));
}

TEST(Cli, HelpListsEveryFlagAndEnvironmentVariable) {
  const std::string h = help_text();
  for (const auto& s : settings()) {
    EXPECT_NE(h.find(std::string("--") + s.flag), std::string::npos) << s.flag;
    EXPECT_NE(h.find(std::string("[") + s.key + "]"), std::string::npos) << s.key;
  }
  EXPECT_NE(h.find("WIRELINK_CONFIG_PATH"), std::string::npos);
  EXPECT_NE(h.find("--dump-config"), std::string::npos);
}

}  // namespace
}  // namespace wl::agent
