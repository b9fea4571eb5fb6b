// An in-process mesh of full engines: one router, leaves configured only with the router.
#include <gtest/gtest.h>

#include "sim/mesh.hpp"
#include "wirelink/facts/codec.hpp"

namespace wl::facts::sim {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint(10'000s);

TEST(SimMesh, LeavesLearnEachOtherThroughTheRouter) {
  SimMesh m(kStart);
  m.add_router();
  std::vector<std::size_t> leaves;
  for (int i = 0; i < 6; ++i) leaves.push_back(m.add_leaf());
  // Before any gossip, a leaf knows only its router.
  for (auto a : leaves)
    for (auto b : leaves)
      if (a != b) {
        EXPECT_FALSE(m.knows_anything_about(a, b));
      }

  m.run_until(kStart + 60s);
  for (auto a : leaves)
    for (auto b : leaves)
      if (a != b) {
        EXPECT_TRUE(m.knows(a, b)) << a << " about " << b;
      }
  // Leaves put each other into their devices and end up with direct, healthy tunnels.
  for (auto a : leaves) {
    EXPECT_EQ(m.node(a).device.size(), leaves.size());  // router + 5 other leaves
    for (auto b : leaves)
      if (a != b) {
        EXPECT_TRUE(m.node(a).engine->healthy(m.node(b).key)) << a << "->" << b;
      }
  }
  // Trust came from the router heuristic, not from configuration.
  const auto t = m.node(leaves[0]).engine->trust_of(m.node(m.router_index()).key, m.now());
  EXPECT_EQ(t.source, trust::Source::router);
  EXPECT_TRUE(m.node(m.router_index()).engine->is_router());
  EXPECT_FALSE(m.node(leaves[0]).engine->is_router());
  // Nothing on the fake network was malformed or forged, and no fact was rejected: what the
  // router drops from its leaves (their own M, facts about their peers) is ignored by design.
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto& c = m.node(i).engine->counters();
    EXPECT_EQ(c.rejected_total(), 0u);
    for (std::size_t v = 1; v < c.facts_refused.size(); ++v)
      EXPECT_EQ(c.facts_rejected(static_cast<trust::Verdict>(v)), 0u) << i << " verdict " << v;
  }
  EXPECT_GT(m.node(m.router_index()).engine->counters().facts_ignored, 0u);
}

TEST(SimMesh, LateJoinerIsLearnedAndSteadyStateIsQuiet) {
  SimMesh m(kStart);
  m.add_router();
  for (int i = 0; i < 4; ++i) m.add_leaf();
  m.run_until(kStart + 300s);
  const auto late = m.add_leaf();
  m.run_until(kStart + 340s);
  for (std::size_t i = 0; i < m.size(); ++i)
    if (i != late && i != m.router_index()) {
      EXPECT_TRUE(m.knows(i, late)) << i;
    }
  EXPECT_TRUE(m.knows(late, 1));

  // In steady state each fact is re-sent about every two minutes, plus 30 s pings: in ten
  // minutes the router sends each leaf far fewer datagrams than one per cycle.
  const auto& rc = m.node(m.router_index()).engine->counters();
  const auto before = rc.datagrams_sent;
  m.run_until(kStart + 940s);
  const auto sent = rc.datagrams_sent - before;
  EXPECT_GT(sent, 0u);
  EXPECT_LT(sent, 5u * 120u / 2u);  // < half of one datagram per leaf per 5 s cycle
}

TEST(SimMesh, DepartedLeafStopsBeingAdvertised) {
  SimMesh m(kStart);
  m.add_router();
  std::vector<std::size_t> leaves;
  for (int i = 0; i < 4; ++i) leaves.push_back(m.add_leaf());
  m.run_until(kStart + 120s);
  const auto gone = leaves.back();
  for (auto a : leaves)
    if (a != gone) {
      ASSERT_TRUE(m.knows(a, gone));
    }
  m.stop(gone);
  const TimePoint stopped = m.now();

  // Within one TTL the others still remember it (facts expire, they are not revoked).
  m.run_until(stopped + 100s);
  EXPECT_TRUE(m.node(leaves[0]).engine->is_member(m.node(gone).key, m.now()));

  // The router stops relaying once the leaf is neither alive nor healthy there; the copies
  // at the other leaves then expire. After that nobody hears of it again.
  m.run_until(stopped + 600s);
  for (auto a : leaves)
    if (a != gone) {
      EXPECT_FALSE(m.knows_anything_about(a, gone)) << a;
    }
  m.capture = true;
  m.run_until(stopped + 900s);
  ASSERT_FALSE(m.captured.empty());
  for (const auto& c : m.captured) {
    auto d = decode_datagram(c.bytes);
    ASSERT_TRUE(d.ok());
    for (const auto& wf : d.group.facts) EXPECT_NE(wf.fact.subject, m.node(gone).key);
  }
  for (auto a : leaves)
    if (a != gone) {
      EXPECT_FALSE(m.knows_anything_about(a, gone)) << a;
    }
  // The remaining leaves still know each other.
  EXPECT_TRUE(m.knows(leaves[0], leaves[1]));
}

TEST(SimMesh, RestartedLeafWithNewBootIdIsResentEverything) {
  SimMesh m(kStart);
  m.add_router();
  const auto a = m.add_leaf();
  const auto b = m.add_leaf();
  m.run_until(kStart + 200s);
  ASSERT_TRUE(m.knows(a, b));
  // The router gets a's new boot id (a clock jump on a); within a cycle or two the router
  // re-sends a everything although nothing expired.
  auto& rc = m.node(m.router_index()).engine->counters();
  const auto facts_before = rc.facts_sent;
  m.run_until(kStart + 205s);
  const auto quiet = rc.facts_sent - facts_before;
  auto& ea = *m.node(a).engine;
  const auto rolls = ea.counters().boot_id_rolls;
  // A backwards step on a's clock only: drive its engine directly once.
  (void)ea.tick(m.now() - 10s);
  EXPECT_EQ(ea.counters().boot_id_rolls, rolls + 1);
  const auto facts_mid = rc.facts_sent;
  m.run_until(kStart + 215s);
  EXPECT_GT(rc.facts_sent - facts_mid, quiet + 3);
  EXPECT_TRUE(m.knows(a, b));
}

// How many facts `from` sent `to` in the captured datagrams from index `first` on.
std::size_t facts_between(const SimMesh& m, std::size_t from, std::size_t to, std::size_t first) {
  std::size_t n = 0;
  for (std::size_t i = first; i < m.captured.size(); ++i) {
    const auto& c = m.captured[i];
    if (c.from != from || c.to != to) continue;
    auto d = decode_datagram(c.bytes);
    if (d.ok()) n += d.group.facts.size();
  }
  return n;
}

TEST(SimMesh, RestartedRouterSendsItsStateOnce) {
  SimMesh m(kStart);
  const auto r = m.add_router();
  std::vector<std::size_t> leaves;
  for (int i = 0; i < 8; ++i) leaves.push_back(m.add_leaf());
  m.run_until(kStart + 100s);
  ASSERT_TRUE(m.knows(leaves[0], leaves[1]));
  m.capture = true;
  const auto first = m.captured.size();
  m.restart(r);
  // Long enough for every exchange the restart causes, well short of the 132.5 s re-send.
  m.run_until(m.now() + 20s, 100ms);
  // The router's store refills from the leaves; each leaf hears each fact once, not once
  // before its answer and again when its first boot id arrives.
  const auto& rs = m.node(r).engine->store();
  ASSERT_GT(rs.size(), 3 * leaves.size());
  for (auto l : leaves) {
    const auto n = facts_between(m, r, l, first);
    EXPECT_GT(n, 0u) << l;
    // Everything the router holds, at most once, plus pings.
    EXPECT_LE(n, rs.size() + 4) << l;
  }
  for (auto a : leaves)
    for (auto b : leaves)
      if (a != b) {
        EXPECT_TRUE(m.knows(a, b)) << a << " about " << b;
      }
}

// A new host's tunnel comes up a moment before its agent listens: the router sees the
// handshake and would send its state into a closed port. Its first facts must not count as
// delivered: the new leaf learns the mesh within seconds, not at the two-minute re-send.
TEST(SimMesh, NewLeafWhoseAgentStartsAfterItsTunnelLearnsAtOnce) {
  for (int delay_ms : {0, 300, 700, 2000}) {
    SimMesh m(kStart);
    const auto r = m.add_router();
    const auto b = m.add_leaf();
    m.run_until(kStart + 60s);
    ASSERT_TRUE(m.knows(r, b));
    const auto a = m.add_leaf();
    m.hold_agent(a);
    // Until the router has sent to the new leaf (lost: its agent does not listen yet).
    for (int i = 0; i < 100 && m.node(a).lost_not_listening == 0; ++i)
      m.run_until(m.now() + 100ms, 100ms);
    ASSERT_GT(m.node(a).lost_not_listening, 0u);
    m.run_until(m.now() + std::chrono::milliseconds(delay_ms) + 100ms, 100ms);
    m.start_agent(a);
    m.run_until(m.now() + 8s, 100ms);
    EXPECT_TRUE(m.knows(a, b)) << "agent started " << delay_ms << " ms after its tunnel";
    EXPECT_TRUE(m.knows(b, a)) << "agent started " << delay_ms << " ms after its tunnel";
  }
}

}  // namespace
}  // namespace wl::facts::sim
