#include <gtest/gtest.h>

#include "wirelink/agent/status.hpp"

using namespace wl;
using namespace wl::agent;

namespace {
AgentStatus sample() {
  AgentStatus s;
  s.iface = "wg0";
  s.backend = "uapi";
  std::array<std::uint8_t, 32> k{};
  k.fill(7);
  s.public_key = PublicKey(k);
  s.link_local = link_local_for(s.public_key);
  s.listen_port = 51820;
  s.fact_port = 51821;
  PeerStatus p;
  k.fill(9);
  p.key = PublicKey(k);
  p.name = "b \"quoted\"";
  p.link_local = link_local_for(p.key);
  p.endpoint = *Endpoint::parse("192.0.2.1:51820");
  p.handshake_age = std::chrono::seconds(125);
  p.healthy = true;
  p.trust = {trust::Level::membership, "config"};
  p.device_allowed_ips = {*Cidr::parse("10.0.0.2/32")};
  p.trusted_allowed_ips = {*Cidr::parse("10.0.0.2/32"), *Cidr::parse("10.0.0.9/32")};
  s.peers.push_back(std::move(p));
  s.counters.facts_rejected["bad signature"] = 3;
  s.counters.facts_ignored = 7;
  return s;
}
}  // namespace

TEST(Status, JsonHasTheDocumentedFields) {
  auto j = render_json(sample());
  for (const char* f :
       {"\"schema\":1", "\"interface\":\"wg0\"", "\"backend\":\"uapi\"", "\"fact_port\":51821",
        "\"name\":\"b \\\"quoted\\\"\"", "\"endpoint\":\"192.0.2.1:51820\"",
        "\"handshake_age_seconds\":125.000", "\"healthy\":true", "\"alive\":false",
        "\"trust\":\"membership\"", "\"trust_source\":\"config\"",
        "{\"cidr\":\"10.0.0.2/32\",\"applied\":true,\"trusted\":true}",
        "{\"cidr\":\"10.0.0.9/32\",\"applied\":false,\"trusted\":true}",
        "\"facts_rejected\":{\"bad signature\":3}", "\"facts_ignored\":7"})
    EXPECT_NE(j.find(f), std::string::npos) << f << "\n" << j;
}

TEST(Status, TableIsAligned) {
  auto t = render_table(sample());
  EXPECT_NE(t.find("interface: wg0"), std::string::npos);
  EXPECT_NE(t.find("2 minutes, 5 seconds ago"), std::string::npos);
  EXPECT_NE(t.find("10.0.0.9/32 (trusted, not applied)"), std::string::npos);
  // Facts ignored by design are shown apart from rejections.
  EXPECT_NE(t.find("rejected 3 (bad signature 3), ignored 7"), std::string::npos) << t;
  // Header and first row place the ENDPOINT column at the same offset.
  auto head = t.find("PEER");
  ASSERT_NE(head, std::string::npos);
  auto head_line = t.substr(head, t.find('\n', head) - head);
  auto row_start = t.find('\n', head) + 1;
  auto row = t.substr(row_start, t.find('\n', row_start) - row_start);
  EXPECT_EQ(head_line.find("ENDPOINT"), row.find("192.0.2.1:51820"));
}

TEST(Status, HumanUnits) {
  EXPECT_EQ(human_duration(std::chrono::seconds(0)), "0 seconds");
  EXPECT_EQ(human_duration(std::chrono::seconds(3661)), "1 hour, 1 minute, 1 second");
  EXPECT_EQ(human_bytes(1023), "1023 B");
  EXPECT_EQ(human_bytes(1536), "1.50 KiB");
}

namespace {
// The sample's peer, relayed: the device still holds the endpoint being probed.
AgentStatus relayed() {
  AgentStatus s = sample();
  auto& p = s.peers[0];
  p.healthy = false;
  p.endpoint = *Endpoint::parse("198.51.100.3:51820");  // being probed, not in use
  p.path = "via r1";
  p.path_reason = "no candidate answered since 12:03:41 UTC";
  CandidateStatus c;
  c.endpoint = *p.endpoint;
  c.reach = "public";
  c.last_tried = WallTime(std::chrono::seconds(1700000000));
  c.result = "no answer";
  p.candidates.push_back(c);
  c.endpoint = *Endpoint::parse("10.30.0.5:51820");
  c.reach = "private, default route only";
  c.last_tried.reset();
  c.result = "skipped (a better candidate exists)";
  p.candidates.push_back(c);
  return s;
}
}  // namespace

TEST(Status, PathColumnAndTheReasonWhenNotDirect) {
  const auto direct = render_table(sample());
  auto head = direct.find("PEER");
  auto head_line = direct.substr(head, direct.find('\n', head) - head);
  auto row_start = direct.find('\n', head) + 1;
  auto row = direct.substr(row_start, direct.find('\n', row_start) - row_start);
  EXPECT_EQ(head_line.find("PATH"), row.find("direct")) << direct;
  EXPECT_EQ(direct.find("path "), std::string::npos);  // a direct peer needs no explanation

  const auto t = render_table(relayed());
  head = t.find("PEER");
  row_start = t.find('\n', head) + 1;
  row = t.substr(row_start, t.find('\n', row_start) - row_start);
  EXPECT_NE(row.find("via r1"), std::string::npos) << t;
  EXPECT_NE(row.find("unhealthy,relayed"), std::string::npos) << t;  // not "not-alive"
  EXPECT_EQ(row.find("198.51.100.3"), std::string::npos) << t;       // probed, not in use
  EXPECT_NE(row.find("(none)"), std::string::npos) << t;
  EXPECT_NE(t.find(": via r1 (no candidate answered since 12:03:41 UTC)\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("  candidate 198.51.100.3:51820 (public): no answer, last tried 22:13:20 UTC\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("  candidate 10.30.0.5:51820 (private, default route only): skipped (a "
                   "better candidate exists)\n"),
            std::string::npos)
      << t;
}

TEST(Status, JsonCarriesPathReasonAndCandidates) {
  const auto direct = render_json(sample());
  for (const char* f : {"\"path\":\"direct\"", "\"path_reason\":\"\"",
                        "\"endpoint_in_use\":\"192.0.2.1:51820\"", "\"candidates\":[]"})
    EXPECT_NE(direct.find(f), std::string::npos) << f << "\n" << direct;
  const auto j = render_json(relayed());
  for (const char* f :
       {"\"schema\":1", "\"endpoint\":\"198.51.100.3:51820\"", "\"endpoint_in_use\":null",
        "\"path\":\"via r1\"", "\"path_reason\":\"no candidate answered since 12:03:41 UTC\"",
        "{\"endpoint\":\"198.51.100.3:51820\",\"reach\":\"public\",\"last_tried_unix\":1700000000,"
        "\"result\":\"no answer\"}",
        "\"last_tried_unix\":null"})
    EXPECT_NE(j.find(f), std::string::npos) << f << "\n" << j;
}
