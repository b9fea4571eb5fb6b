// The metrics rendering: well-formed exposition text (checked here, and by promtool when it is
// installed), the documented names, bounded per-peer series, escaped labels; and the HTTP
// answer the endpoint gives.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "exposition_check.hpp"
#include "wirelink/agent/metrics.hpp"

using namespace wl;
using namespace wl::agent;

namespace {

PublicKey key(std::uint8_t fill) {
  std::array<std::uint8_t, 32> k{};
  k.fill(fill);
  k[0] = static_cast<std::uint8_t>(fill * 3);
  return PublicKey(k);
}

PeerStatus peer(std::uint8_t fill, std::string name, std::string path, bool healthy) {
  PeerStatus p;
  p.key = key(fill);
  p.name = std::move(name);
  p.path = std::move(path);
  p.healthy = healthy;
  p.alive = healthy;
  p.handshake_age = std::chrono::milliseconds(1500);
  return p;
}

AgentStatus sample() {
  AgentStatus s;
  s.iface = "wg0";
  s.backend = "kernel";
  s.uptime = std::chrono::seconds(90);
  s.cycles = 12;
  s.peers.push_back(peer(1, "router \"a\"\\\n", "direct", true));
  s.peers.push_back(peer(2, "b", "via router", false));
  s.peers.push_back(peer(3, "", "none", false));
  s.peers.back().handshake_age.reset();  // never: no age series
  s.counters.datagrams_received = 7;
  s.counters.facts_received = 20;
  s.counters.facts_accepted = 18;
  s.counters.facts_rejected["bad signature"] = 2;
  s.counters.datagrams_sent = 5;
  s.counters.bytes_sent = 640;
  s.coordinator_enabled = true;
  s.coordinator.state = "registered";
  return s;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST(Metrics, RenderingIsWellFormedExposition) {
  const auto text = render_metrics(sample(), {3, 4096, 1}, "1.2.3");
  EXPECT_EQ(test::check_exposition(text), std::vector<std::string>{}) << text;
}

TEST(Metrics, CountersAndGaugesCarryTheSnapshot) {
  const auto text = render_metrics(sample(), {3, 4096, 1}, "1.2.3");
  for (const char* want : {
           R"(wirelink_build_info{version="1.2.3",iface="wg0",backend="kernel"} 1)",
           "wirelink_uptime_seconds 90",
           "wirelink_reloads_total 3",
           "wirelink_fact_datagrams_received_total 7",
           "wirelink_fact_received_bytes_total 4096",
           "wirelink_fact_datagrams_sent_total 5",
           "wirelink_fact_sent_bytes_total 640",
           "wirelink_facts_received_total 20",
           "wirelink_facts_accepted_total 18",
           R"(wirelink_facts_rejected_total{reason="bad signature"} 2)",
           R"(wirelink_peers{state="healthy",path="direct"} 1)",
           R"(wirelink_peers{state="down",path="relayed"} 1)",
           R"(wirelink_peers{state="down",path="none"} 1)",
           R"(wirelink_peers{state="alive",path="direct"} 0)",
           R"(wirelink_coordinator_session_state{state="registered"} 1)",
           R"(wirelink_coordinator_session_state{state="unreachable"} 0)",
           "wirelink_peer_series_omitted 0",
       })
    EXPECT_TRUE(has(text, want)) << want << "\n" << text;
}

TEST(Metrics, PeerLabelsAreEscapedAndNeverHandshakenPeersHaveNoAge) {
  const auto s = sample();
  const auto text = render_metrics(s, {}, "v");
  const std::string k1 = s.peers[0].key.to_base64().substr(0, 8);
  EXPECT_TRUE(
      has(text, R"(wirelink_peer_last_handshake_age_seconds{peer="router \"a\"\\\n",key=")" + k1 +
                    R"("} 1.500)"))
      << text;
  const std::string k3 = s.peers[2].key.to_base64().substr(0, 8);
  EXPECT_EQ(text.find("key=\"" + k3 + "\""), std::string::npos) << text;
}

TEST(Metrics, PerPeerSeriesAreBounded) {
  AgentStatus s = sample();
  s.peers.clear();
  for (std::size_t i = 0; i < kMaxPeerSeries + 10; ++i) {
    PeerStatus p = peer(1, "p" + std::to_string(i), "direct", true);
    std::array<std::uint8_t, 32> k{};
    k[0] = static_cast<std::uint8_t>(i);
    k[1] = static_cast<std::uint8_t>(i >> 8);
    p.key = PublicKey(k);
    s.peers.push_back(p);
  }
  const auto text = render_metrics(s, {}, "v");
  std::size_t ages = 0;
  for (auto at = text.find("\nwirelink_peer_last_handshake_age_seconds{"); at != std::string::npos;
       at = text.find("\nwirelink_peer_last_handshake_age_seconds{", at + 1))
    ++ages;
  EXPECT_EQ(ages, kMaxPeerSeries);
  EXPECT_TRUE(has(text, "wirelink_peer_series_omitted 10")) << text;
  EXPECT_TRUE(has(text, R"(wirelink_peers{state="healthy",path="direct"} )" +
                            std::to_string(kMaxPeerSeries + 10)));
  EXPECT_EQ(test::check_exposition(text), std::vector<std::string>{});
}

TEST(Metrics, NoCoordinatorReadsDisabled) {
  AgentStatus s = sample();
  s.coordinator_enabled = false;
  const auto text = render_metrics(s, {}, "v");
  EXPECT_TRUE(has(text, R"(wirelink_coordinator_session_state{state="disabled"} 1)")) << text;
  EXPECT_TRUE(has(text, R"(wirelink_coordinator_session_state{state="registered"} 0)")) << text;
}

TEST(Metrics, TheCheckerCatchesMalformedText) {
  // The checker itself must be able to fail, or the well-formedness test proves nothing.
  EXPECT_FALSE(test::check_exposition("wirelink_x 1\n").empty());  // undeclared
  EXPECT_FALSE(test::check_exposition("# HELP a_total h\n# TYPE a_total counter\n"
                                      "a_total{x=\"unclosed} 1\n")
                   .empty());
  EXPECT_FALSE(test::check_exposition("# HELP a h\n# TYPE a counter\na 1\n").empty());
  EXPECT_FALSE(test::check_exposition("# HELP a h\n# TYPE a gauge\na 1\na 2\n").empty());
}

// promtool (Debian `prometheus`) is the reference checker; CI installs it (deps.d/agent.txt).
TEST(Metrics, PromtoolAcceptsTheRendering) {
  if (std::FILE* probe = std::fopen("/usr/bin/promtool", "r"); probe)
    std::fclose(probe);
  else
    GTEST_SKIP() << "promtool not installed";
  const auto text = render_metrics(sample(), {3, 4096, 1}, "1.2.3");
  std::FILE* p = ::popen("/usr/bin/promtool check metrics >/dev/null 2>&1", "w");
  ASSERT_NE(p, nullptr);
  std::fwrite(text.data(), 1, text.size(), p);
  EXPECT_EQ(::pclose(p), 0) << text;
}
