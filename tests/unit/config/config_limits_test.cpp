// Hostile configuration input: deep nesting, invalid UTF-8, oversized and malformed names,
// and the CoordinatorCAFile / plain-http settings. Each is a located config_invalid error (exit
// 2 in main), never a crash or an exception.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "config_fixture.hpp"
#include "wirelink/agent/config.hpp"
#include "wirelink/agent/config_text.hpp"
#include "wirelink/base/errors.hpp"

namespace wl::agent {
namespace {

const char* kKeyA = "6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE=";

class ConfigLimitsTest : public test::ConfigFixture {
 protected:
  std::string peer_with_endpoint(const std::string& ep) {
    return R"({"Peers":[{"PublicKey":")" + std::string(kKeyA) + R"(","Endpoints":[")" + ep +
           R"("]}]})";
  }
};

TEST_F(ConfigLimitsTest, DeepNestingIsALocatedErrorUnderAnyKey) {
  constexpr std::size_t kDeep = 100'000;
  for (const std::string key : {"Port", "Peers", "Colour"}) {
    SCOPED_TRACE(key);
    write_file("{\"" + key + "\": " + std::string(kDeep, '[') + std::string(kDeep, ']') + "}");
    auto msg = fail();
    EXPECT_NE(msg.find(file_for()), std::string::npos) << msg;
    EXPECT_NE(msg.find("nested deeper than 32"), std::string::npos) << msg;
    // The 33rd opening bracket: `{"` + key + `": ` and 31 more '['.
    const std::string at = "line 1, column " + std::to_string(key.size() + 6 + 31) + ":";
    EXPECT_NE(msg.find(at), std::string::npos) << msg;
  }
}

TEST_F(ConfigLimitsTest, NestingAtTheLimitStillGetsItsUsualMessage) {
  // 32 levels parse; the value is then rejected for its type, printed briefly.
  write_file("{\"Port\": " + std::string(31, '[') + std::string(31, ']') + "}");
  auto msg = fail();
  EXPECT_NE(msg.find("/Port"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0..65535"), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 400u) << msg;
}

TEST_F(ConfigLimitsTest, BracketsInsideStringsDoNotCount) {
  write_file(R"({"Peers":[{"PublicKey":")" + std::string(kKeyA) + R"(","Name":")" +
             std::string(100, '[') + R"(\"{{{"}]})");
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->config.peers.at(0).name, std::string(100, '[') + "\"{{{");
}

TEST_F(ConfigLimitsTest, BriefJsonIsBoundedInDepthAndLength) {
  nlohmann::json v = nlohmann::json::array();
  nlohmann::json* inner = &v;
  for (int i = 0; i < 10; ++i) {
    inner->push_back(nlohmann::json::array());
    inner = &inner->back();
  }
  EXPECT_EQ(brief_json(v), "[[[[…]]]]");
  const std::string big = brief_json(nlohmann::json(std::vector<int>(10'000, 7)));
  EXPECT_LE(big.size(), 80u);
  EXPECT_EQ(big.substr(big.size() - 3), "...");
  EXPECT_EQ(quoted("a\xff"), "\"a\xEF\xBF\xBD\"");  // replaced, not thrown
}

TEST_F(ConfigLimitsTest, InvalidUtf8InEnvironmentOrFlagIsLocated) {
  for (const std::string name :
       {"WIRELINK_PRIVATEKEYFILE", "WIRELINK_IFACE", "WIRELINK_CONFIG_PATH", "WIRELINK_NAME"}) {
    SCOPED_TRACE(name);
    auto env = env_;
    env_[name] = "bad\xff\xfe";
    if (name == "WIRELINK_NAME") {
      // Not a setting: warned about as unknown, and the warning itself must not throw.
      auto r = load();
      ASSERT_TRUE(r) << r.error().detail;
    } else {
      auto msg = fail();
      EXPECT_NE(msg.find("environment " + name), std::string::npos) << msg;
      EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
    }
    env_ = env;
  }
  auto msg = fail({{"CoordinatorEndpoint", "\xc0\xaf", "--coordinator-endpoint"}});  // overlong
  EXPECT_NE(msg.find("flag --coordinator-endpoint"), std::string::npos) << msg;
  EXPECT_NE(msg.find("UTF-8"), std::string::npos) << msg;
  // Valid multi-byte text passes the check (and then fails, or not, on its own merits).
  auto ok = load({{"PrivateKeyFile", "", "--private-key-file"}, {"Iface", "wg0", "--iface"}});
  EXPECT_TRUE(ok) << ok.error().detail;
}

TEST_F(ConfigLimitsTest, Utf8Validator) {
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST_F(ConfigLimitsTest, EndpointHostNamesAreBounded) {
  write_file(peer_with_endpoint(std::string(100'000, 'a') + ":51820"));
  auto msg = fail();
  EXPECT_NE(msg.find("/Peers/0/Endpoints/0"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at most 253"), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 400u);

  write_file(peer_with_endpoint(std::string(64, 'a') + ".example:1"));
  msg = fail();
  EXPECT_NE(msg.find("1..63"), std::string::npos) << msg;
  write_file(peer_with_endpoint("a..example:1"));
  msg = fail();
  EXPECT_NE(msg.find("1..63"), std::string::npos) << msg;

  // The longest legal name, a rooted name and literals still load.
  std::string longest;
  while (longest.size() + 64 <= 253) longest += std::string(63, 'b') + ".";
  longest += std::string(253 - longest.size(), 'c');
  ASSERT_EQ(longest.size(), 253u);
  for (const std::string& ok : {longest + ":1", std::string("vpn.example.com.:51820"),
                                std::string("[fd00::1]:1"), std::string("192.0.2.1:1")}) {
    write_file(peer_with_endpoint(ok));
    auto r = load();
    EXPECT_TRUE(r) << ok << ": " << r.error().detail;
  }
}

TEST_F(ConfigLimitsTest, InterfaceNamesRejectControlCharactersAndDots) {
  for (const std::string& bad : {std::string("wg\x01"), std::string("wg\x7f"), std::string("."),
                                 std::string(".."), std::string("a/b"), std::string(16, 'w')}) {
    SCOPED_TRACE(bad);
    auto msg = fail({{"Iface", bad, "--iface"}});
    EXPECT_NE(msg.find("flag --iface"), std::string::npos) << msg;
  }
  env_["WIRELINK_IFACE"] = "wg\x1b[31m";
  auto msg = fail();
  EXPECT_NE(msg.find("WIRELINK_IFACE"), std::string::npos) << msg;
  EXPECT_NE(msg.find("control characters"), std::string::npos) << msg;
}

TEST_F(ConfigLimitsTest, TheInterfaceResolvesWithoutTheFile) {
  write_file(R"({"Port": )");  // broken: `wirelink show` still needs the interface
  EXPECT_FALSE(load());
  env_["WIRELINK_IFACE"] = "wg5";
  auto iface = config_iface(ConfigInputs{{}, env_});
  ASSERT_TRUE(iface) << iface.error().detail;
  EXPECT_EQ(*iface, "wg5");
  iface = config_iface(ConfigInputs{{{"Iface", "wg6", "show <iface>"}}, env_});
  ASSERT_TRUE(iface);
  EXPECT_EQ(*iface, "wg6");
  iface = config_iface(ConfigInputs{{{"Iface", "../x", "show <iface>"}}, env_});
  ASSERT_FALSE(iface);
  EXPECT_NE(iface.error().detail.find("show <iface>"), std::string::npos);
}

TEST_F(ConfigLimitsTest, CoordinatorCaFileIsASettingAndMustBeReadable) {
  const std::string ca = (dir_ / "ca.pem").string();
  write_file(R"({"CoordinatorCAFile": ")" + ca + R"("})");
  auto msg = fail();
  EXPECT_NE(msg.find("CA file"), std::string::npos) << msg;
  EXPECT_NE(msg.find(ca), std::string::npos) << msg;
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->config.coordinator_ca_file, ca);
  EXPECT_EQ(r->sources.at("CoordinatorCAFile"), "file " + file_for());
  env_["WIRELINK_COORDINATORCAFILE"] = ca;
  r = load({{"CoordinatorCAFile", ca, "--coordinator-ca-file"}});
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->sources.at("CoordinatorCAFile"), "flag --coordinator-ca-file");
  auto dump = nlohmann::json::parse(dump_config_json(*r));
  EXPECT_EQ(dump["config"]["CoordinatorCAFile"], ca);
  // A changed CA restarts the coordinator session on reload.
  Config other = r->config;
  other.coordinator_ca_file.clear();
  EXPECT_FALSE(other.same_coordinator_settings(r->config));
}

TEST_F(ConfigLimitsTest, PlainHttpToAnotherHostWarns) {
  env_["WIRELINK_COORDINATORPUBLICKEY"] = "k4.public.AAAA";
  auto warns = [&](const std::string& url) {
    env_["WIRELINK_COORDINATORURL"] = url;
    auto r = load();
    EXPECT_TRUE(r) << r.error().detail;
    if (!r) return false;
    for (const auto& w : r->warnings)
      if (w.find("plain http://") != std::string::npos) return true;
    return false;
  };
  EXPECT_TRUE(warns("http://10.0.0.1:8787"));
  EXPECT_TRUE(warns("http://coord.example/api"));
  EXPECT_TRUE(warns("http://user@127.0.0.1.example:80"));
  EXPECT_FALSE(warns("http://127.0.0.1:8787"));
  EXPECT_FALSE(warns("http://[::1]:8787/"));
  EXPECT_FALSE(warns("http://localhost"));
  EXPECT_FALSE(warns("https://coord.example"));
}

// A reload with the same plain-http URL does not print its warning again; a changed URL
// (to another plain-http host, or back) does, and other warnings always do.
TEST_F(ConfigLimitsTest, PlainHttpWarningIsRepeatedOnlyWhenTheUrlChanges) {
  env_["WIRELINK_COORDINATORPUBLICKEY"] = "k4.public.AAAA";
  auto with_url = [&](const std::string& url) {
    env_["WIRELINK_COORDINATORURL"] = url;
    auto r = load();
    EXPECT_TRUE(r) << r.error().detail;
    return r ? *r : LoadedConfig{};
  };
  const LoadedConfig a = with_url("http://10.0.0.1:8787");
  const LoadedConfig b = with_url("http://10.0.0.2:8787");
  const LoadedConfig tls = with_url("https://coord.example");
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_EQ(a.warnings[0], plain_http_warning("http://10.0.0.1:8787"));
  EXPECT_TRUE(plain_http_warning("https://coord.example").empty());

  EXPECT_TRUE(reload_warnings(a, a).empty());
  EXPECT_EQ(reload_warnings(a, b), b.warnings);
  EXPECT_EQ(reload_warnings(b, a), a.warnings);
  EXPECT_EQ(reload_warnings(tls, a), a.warnings);
  EXPECT_TRUE(reload_warnings(a, tls).empty());

  LoadedConfig a_more = a;
  a_more.warnings.insert(a_more.warnings.begin(), "ignoring unknown environment variable X");
  EXPECT_EQ(reload_warnings(a, a_more),
            std::vector<std::string>{"ignoring unknown environment variable X"});
}

}  // namespace
}  // namespace wl::agent
