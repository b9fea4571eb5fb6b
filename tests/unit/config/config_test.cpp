#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "config_fixture.hpp"
#include "wirelink/agent/config.hpp"
#include "wirelink/base/errors.hpp"

namespace wl::agent {
namespace {

const char* kKeyA = "6X/iz1GyW9euj9JIdP7PUl14eoWyoQiAa+BDTB38GhE=";
const char* kKeyB = "YFrVV+sQ2QAT5Nul37W8kSXpPkxjqpRFApZToSOTygg=";

using ConfigTest = test::ConfigFixture;

TEST_F(ConfigTest, DefaultsWithoutFile) {
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(r->file_found);
  EXPECT_EQ(r->config.iface, "wg0");
  EXPECT_EQ(r->config.port, 0);
  EXPECT_FALSE(r->config.router.has_value());
  EXPECT_FALSE(r->config.chatty);
  EXPECT_EQ(r->sources.at("Port"), "default");
  EXPECT_EQ(r->file_path, file_for());
}

// One row per scalar key: a file value, an env value, a flag value, and how to read the
// effective value back as text.
struct Row {
  std::string key;
  std::string flag;
  nlohmann::json file_value;
  std::string env_value;
  std::string flag_value;
  std::string file_text, env_text, flag_text;  // expected effective values
  std::function<std::string(const Config&)> get;
};

std::string list_text(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + ";";
  return s;
}

std::vector<Row> rows() {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  return {
      {"Port", "--port", 1000, "2000", "3000", "1000", "2000", "3000",
       [](const Config& c) { return std::to_string(c.port); }},
      {"Router", "--router", false, "true", "false", "false", "true", "false",
       [b](const Config& c) { return c.router ? b(*c.router) : "unset"; }},
      {"Chatty", "--chatty", true, "false", "true", "true", "false", "true",
       [b](const Config& c) { return b(c.chatty); }},
      {"Debug", "--debug", true, "0", "yes", "true", "false", "true",
       [b](const Config& c) { return b(c.debug); }},
      {"Userspace", "--userspace", true, "off", "on", "true", "false", "true",
       [b](const Config& c) { return b(c.userspace); }},
      {"ReportIfaces", "--report-ifaces", nlohmann::json::array({"eth*"}), "en*, wl*", "lan0",
       "eth*;", "en*;wl*;", "lan0;", [](const Config& c) { return list_text(c.report_ifaces); }},
      {"HideIfaces", "--hide-ifaces", nlohmann::json::array({"docker*"}), "veth*", "br*,virbr*",
       "docker*;", "veth*;", "br*;virbr*;",
       [](const Config& c) { return list_text(c.hide_ifaces); }},
      {"CoordinatorURL", "--coordinator-url", "http://a:1", "http://b:2", "https://c:3",
       "http://a:1", "http://b:2", "https://c:3",
       [](const Config& c) { return c.coordinator_url; }},
      {"CoordinatorPublicKey", "--coordinator-public-key", "k4.public.AAAA", "k4.public.BBBB",
       "k4.public.CCCC", "k4.public.AAAA", "k4.public.BBBB", "k4.public.CCCC",
       [](const Config& c) { return c.coordinator_public_key; }},
      {"CoordinatorEndpoint", "--coordinator-endpoint", "192.0.2.1:51820", "[2001:db8::1]:1",
       "198.51.100.9:7", "192.0.2.1:51820", "[2001:db8::1]:1", "198.51.100.9:7",
       [](const Config& c) { return c.coordinator_endpoint; }},
      {"CoordinatorExitCapacity", "--coordinator-exit-capacity", 5, "0", "65535", "5", "0", "65535",
       [](const Config& c) { return std::to_string(c.coordinator_exit_capacity); }},
      {"ExitTraffic", "--exit-traffic", true, "false", "true", "true", "false", "true",
       [b](const Config& c) { return b(c.exit_traffic); }},
      {"ExitAllowLAN", "--exit-allow-lan", true, "off", "on", "true", "false", "true",
       [b](const Config& c) { return b(c.exit_allow_lan); }},
      {"ExitHops", "--exit-hops", 2, "1", "2", "2", "1", "2",
       [](const Config& c) { return std::to_string(c.exit_hops); }},
      {"CoordinatorOpenMembership", "--coordinator-open-membership", true, "0", "yes", "true",
       "false", "true", [b](const Config& c) { return b(c.coordinator_open_membership); }},
      {"MetricsListen", "--metrics-listen", "127.0.0.1:9586", "[::1]:9586", "/run/m.sock",
       "127.0.0.1:9586", "[::1]:9586", "/run/m.sock",
       [](const Config& c) { return c.metrics_listen; }},
  };
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(ConfigTest, PrecedenceMatrixPerKey) {
  for (const auto& row : rows()) {
    SCOPED_TRACE(row.key);
    nlohmann::json file = {{row.key, row.file_value}};
    if (row.key == "CoordinatorURL") file["CoordinatorPublicKey"] = "k4.public.AAAA";
    write_file(file.dump());
    const std::string env_name = "WIRELINK_" + upper(row.key);
    const std::string flag_name = row.flag.substr(2);

    // file beats default
    auto r = load();
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(row.get(r->config), row.file_text);
    EXPECT_EQ(r->sources.at(row.key), "file " + file_for());

    // env beats file
    env_[env_name] = row.env_value;
    r = load();
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(row.get(r->config), row.env_text);
    EXPECT_EQ(r->sources.at(row.key), "env " + env_name);

    // flag beats env
    r = load({{row.key, row.flag_value, row.flag}});
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(row.get(r->config), row.flag_text);
    EXPECT_EQ(r->sources.at(row.key), "flag " + row.flag);

    // flag beats file with no env
    env_.erase(env_name);
    r = load({{row.key, row.flag_value, row.flag}});
    ASSERT_TRUE(r) << r.error().detail;
    EXPECT_EQ(row.get(r->config), row.flag_text);

    // and without a file, the default stays put
    std::filesystem::remove(file_for());
    r = load();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sources.at(row.key), "default");
  }
}

TEST_F(ConfigTest, IfaceSelectsTheFile) {
  write_file(R"({"Port": 7})", "wg7");
  env_["WIRELINK_IFACE"] = "wg7";
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->config.iface, "wg7");
  EXPECT_EQ(r->config.port, 7);
  EXPECT_EQ(r->sources.at("Iface"), "env WIRELINK_IFACE");
  // The flag beats the environment and picks another file.
  r = load({{"Iface", "wg0", "--iface"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config.port, 0);
  EXPECT_EQ(r->sources.at("Iface"), "flag --iface");
}

TEST_F(ConfigTest, KeysAreCaseInsensitive) {
  write_file(R"({"port": 9, "CHATTY": true, "peers": [{"publickey": ")" + std::string(kKeyA) +
             R"(", "TRUST": "Membership", "allowedips": ["10.0.0.0/24"]}]})");
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->config.port, 9);
  EXPECT_TRUE(r->config.chatty);
  ASSERT_EQ(r->config.peers.size(), 1u);
  EXPECT_EQ(r->config.peers[0].trust, trust::Level::membership);
}

TEST_F(ConfigTest, FullPeer) {
  write_file(R"({"Peers": [{"PublicKey": ")" + std::string(kKeyA) + R"(", "Name": "router",
    "Trust": "delegate", "FactExchanger": true, "Basic": true,
    "Endpoints": ["vpn.example.com:51820", "[fd00::1]:51820"],
    "AllowedIPs": ["10.9.8.7/16", "fd00::/64"]}]})");
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  const auto& p = r->config.peers.at(0);
  EXPECT_EQ(p.name, "router");
  EXPECT_EQ(p.trust, trust::Level::delegate);
  EXPECT_TRUE(p.fact_exchanger);
  EXPECT_TRUE(p.basic);
  ASSERT_EQ(p.endpoints.size(), 2u);
  EXPECT_EQ(p.endpoints[0].host, "vpn.example.com");
  EXPECT_EQ(p.endpoints[1].host, "fd00::1");
  EXPECT_EQ(p.allowed_ips[0].to_string(), "10.9.0.0/16");  // host bits normalised
  auto dump = nlohmann::json::parse(dump_config_json(*r));
  EXPECT_EQ(dump["config"]["Peers"][0]["AllowedIPs"][0], "10.9.0.0/16");
  EXPECT_EQ(dump["config"]["Peers"][0]["Endpoints"][1], "[fd00::1]:51820");
  EXPECT_EQ(dump["sources"]["Peers"], "file " + file_for());
}

// Scoped link-local endpoints as wireguard-go and the kernel take them (zone name or index);
// the zone is resolved to an index only when the endpoint is used.
TEST_F(ConfigTest, ScopedLinkLocalEndpoints) {
  write_file(R"({"Peers": [{"PublicKey": ")" + std::string(kKeyA) +
             R"(", "Endpoints": ["[fe80::1%eth0]:51820", "[fe80::2%3]:1"]}]})");
  auto r = load();
  ASSERT_TRUE(r) << r.error().detail;
  const auto& p = r->config.peers.at(0);
  ASSERT_EQ(p.endpoints.size(), 2u);
  EXPECT_EQ(p.endpoints[0].host, "fe80::1%eth0");
  EXPECT_EQ(p.endpoints[1].host, "fe80::2%3");
  auto dump = nlohmann::json::parse(dump_config_json(*r));
  EXPECT_EQ(dump["config"]["Peers"][0]["Endpoints"][0], "[fe80::1%eth0]:51820");
  for (const char* bad : {"[fe80::1%]:1", "[fe80::1%a b]:1", "fe80::1%eth0:1"}) {
    write_file(R"({"Peers": [{"PublicKey": ")" + std::string(kKeyA) + R"(", "Endpoints": [")" +
               bad + R"("]}]})");
    auto b = load();
    ASSERT_FALSE(b) << bad;
    EXPECT_NE(b.error().detail.find("/Peers/0/Endpoints/0"), std::string::npos) << bad;
  }
}

struct BadCase {
  const char* name;
  std::string json;
  std::vector<std::string> must_contain;
};

TEST_F(ConfigTest, EveryFileErrorIsLocatedAndNothingIsApplied) {
  const std::string a = kKeyA;
  const std::vector<BadCase> cases = {
      {"unknown key", R"({"Prot": 1})", {"/Prot", "unknown key", "allowed keys"}},
      {"unknown peer key",
       R"({"Peers":[{"PublicKey":")" + a + R"(","Colour":1}]})",
       {"/Peers/0/Colour", "unknown key"}},
      {"wrong type port", R"({"Port": "51821"})", {"/Port", "\"51821\"", "0..65535"}},
      {"port range", R"({"Port": 70000})", {"/Port", "70000"}},
      {"negative port", R"({"Port": -1})", {"/Port"}},
      {"wrong type bool", R"({"Chatty": "yes"})", {"/Chatty", "true or false"}},
      {"wrong type list", R"({"HideIfaces": "eth0"})", {"/HideIfaces", "array of strings"}},
      {"bad key",
       R"({"Peers":[{"PublicKey":"abc"}]})",
       {"/Peers/0/PublicKey", "\"abc\"", "base64"}},
      {"missing key", R"({"Peers":[{"Name":"x"}]})", {"/Peers/0", "no PublicKey"}},
      {"bad cidr",
       R"({"Peers":[{"PublicKey":")" + a + R"(","AllowedIPs":["10.0.0.0/24","10.0.0.300/24"]}]})",
       {"/Peers/0/AllowedIPs/1", "10.0.0.300/24", "CIDR"}},
      {"bad cidr deep",
       R"({"Peers":[{"PublicKey":")" + std::string(kKeyB) + R"("},{"PublicKey":")" + a +
           R"(","AllowedIPs":["x"]}]})",
       {"/Peers/1/AllowedIPs/0"}},
      {"bad trust",
       R"({"Peers":[{"PublicKey":")" + a + R"(","Trust":"total"}]})",
       {"/Peers/0/Trust", "\"total\"", "untrusted, endpoint, allowedips, membership, delegate"}},
      {"bad endpoint",
       R"({"Peers":[{"PublicKey":")" + a + R"(","Endpoints":["host"]}]})",
       {"/Peers/0/Endpoints/0", "host:port"}},
      {"duplicate peer",
       R"({"Peers":[{"PublicKey":")" + a + R"("},{"PublicKey":")" + a + R"("}]})",
       {"/Peers/1", "duplicate peer", "/Peers/0"}},
      {"case duplicate", R"({"Port": 1, "port": 2})", {"given twice"}},
      {"exact duplicate", R"({"Port": 1, "Port": 2})", {"appears twice"}},
      {"syntax", R"({"Port": 1,)", {"not valid JSON"}},
      {"not an object", R"([1,2])", {"top level must be a JSON object"}},
      {"peers not array", R"({"Peers": {}})", {"/Peers", "array of peer objects"}},
      {"iface mismatch", R"({"Iface": "wg1"})", {"/Iface", "must match"}},
      {"bad url", R"({"CoordinatorURL": "ftp://x"})", {"/CoordinatorURL", "http://"}},
      {"url without key", R"({"CoordinatorURL": "http://x:1"})", {"CoordinatorPublicKey"}},
      {"endpoint name",
       R"({"CoordinatorEndpoint": "exit.example:51820"})",
       {"/CoordinatorEndpoint", "literal address"}},
      {"endpoint no port", R"({"CoordinatorEndpoint": "192.0.2.1"})", {"/CoordinatorEndpoint"}},
      {"capacity too big",
       R"({"CoordinatorExitCapacity": 70000})",
       {"/CoordinatorExitCapacity", "0..65535"}},
      {"capacity negative", R"({"CoordinatorExitCapacity": -1})", {"/CoordinatorExitCapacity"}},
      {"exit hops beyond two", R"({"ExitHops": 3})", {"/ExitHops", "1 or 2"}},
      {"exit hops zero", R"({"ExitHops": 0})", {"/ExitHops", "1 or 2"}},
      {"metrics name", R"({"MetricsListen": "localhost:9586"})", {"/MetricsListen", "literal"}},
      {"metrics relative path", R"({"MetricsListen": "m.sock"})", {"/MetricsListen"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    write_file(c.json);
    auto msg = fail();
    EXPECT_NE(msg.find(file_for()), std::string::npos) << msg;
    for (const auto& part : c.must_contain) EXPECT_NE(msg.find(part), std::string::npos) << msg;
  }
}

TEST_F(ConfigTest, EnvAndFlagErrorsNameTheirSource) {
  env_["WIRELINK_PORT"] = "eleven";
  auto msg = fail();
  EXPECT_NE(msg.find("WIRELINK_PORT"), std::string::npos) << msg;
  EXPECT_NE(msg.find("eleven"), std::string::npos) << msg;
  env_.erase("WIRELINK_PORT");
  msg = fail({{"Router", "maybe", "--router"}});
  EXPECT_NE(msg.find("--router"), std::string::npos) << msg;
  msg = fail({{"Iface", "a/b", "--iface"}});
  EXPECT_NE(msg.find("--iface"), std::string::npos) << msg;
  msg = fail({{"Iface", "sixteen-chars-xx", "--iface"}});
  EXPECT_NE(msg.find("1..15"), std::string::npos) << msg;
}

TEST_F(ConfigTest, UnreadableFileIsAnError) {
  std::filesystem::create_directories(file_for());  // a directory where the file should be
  auto msg = fail();
  EXPECT_NE(msg.find(file_for()), std::string::npos) << msg;
}

TEST_F(ConfigTest, SecretFilesMustBeOwnerOnly) {
  const auto key = (dir_ / "private.key").string();
  std::ofstream(key) << "x";
  ::chmod(key.c_str(), 0644);
  write_file(R"({"PrivateKeyFile": ")" + key + R"("})");
  auto msg = fail();
  EXPECT_NE(msg.find("PrivateKeyFile"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0644"), std::string::npos) << msg;
  EXPECT_NE(msg.find(key), std::string::npos) << msg;
  ::chmod(key.c_str(), 0600);
  EXPECT_TRUE(load());

  const auto invite = (dir_ / "invite").string();
  std::ofstream(invite) << "x";
  ::chmod(invite.c_str(), 0640);
  env_["WIRELINK_INVITEFILE"] = invite;
  msg = fail();
  EXPECT_NE(msg.find("InviteFile"), std::string::npos) << msg;
  EXPECT_NE(msg.find("WIRELINK_INVITEFILE"), std::string::npos) << msg;
}

TEST_F(ConfigTest, UnknownEnvironmentVariablesWarn) {
  env_["WIRELINK_PROT"] = "1";
  auto r = load();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("WIRELINK_PROT"), std::string::npos);
}

TEST_F(ConfigTest, DumpShowsSources) {
  write_file(R"({"Chatty": true})");
  env_["WIRELINK_PORT"] = "51821";
  auto r = load({{"Debug", "true", "--debug"}});
  ASSERT_TRUE(r);
  auto j = nlohmann::json::parse(dump_config_json(*r));
  EXPECT_EQ(j["config"]["Port"], 51821);
  EXPECT_EQ(j["config"]["Chatty"], true);
  EXPECT_EQ(j["config"]["Router"], nullptr);
  EXPECT_EQ(j["sources"]["Port"], "env WIRELINK_PORT");
  EXPECT_EQ(j["sources"]["Chatty"], "file " + file_for());
  EXPECT_EQ(j["sources"]["Debug"], "flag --debug");
  EXPECT_EQ(j["sources"]["Router"], "default");
  EXPECT_EQ(j["file"]["found"], true);
}

}  // namespace
}  // namespace wl::agent
