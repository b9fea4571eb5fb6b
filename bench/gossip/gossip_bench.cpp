// bench/gossip: the simulated mesh (one router, N leaves) with the real engines.
//
// Prints, per N:
//   GOSSIP n=<N> converge_s=<x> router_bytes_per_min=<y> leaf_bytes_per_min=<z> cpu_ms_per_min=<w>
//   RATIO converge n=<N> measured/model <r>       (model: two 5 s cycles)
//   RATIO router_bytes n=<N> measured/model <r>   (model: every fact re-sent every ~125 s)
// converge_s   virtual seconds from a new leaf's start until every other leaf has its
//              membership, endpoint and allowed IP (the worst of three joins, 1 s steps);
// *_bytes      UDP payload bytes sent per simulated minute in steady state (the router, and
//              the mean over leaves);
// cpu_ms       process CPU time per simulated minute for the whole mesh (all engines and the
//              fake network) in steady state.
// Also: GOSSIP_CPU n=<N> router_cpu_ms_per_min=<a> leaf_cpu_ms_per_min=<b>: thread CPU time
// inside the router's engine (and its stand-in agent), and the rest of the mesh per leaf.
// Usage: gossip_bench [N ...]   (default 10 100 1000)
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sim/mesh.hpp"

using namespace std::chrono_literals;
using wl::facts::sim::SimMesh;

namespace {

double cpu_ms() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

void run(std::size_t n) {
  const wl::TimePoint start(100'000s);
  SimMesh m(start, 7);
  m.add_router();
  std::vector<std::size_t> leaves;
  for (std::size_t i = 0; i < n; ++i) leaves.push_back(m.add_leaf());

  // Warm up past the first full exchange and the first round of resends (~125 s).
  m.run_until(start + 300s);

  // Steady state over four simulated minutes (two resend rounds).
  const int minutes = 4;
  const auto& rc = m.node(m.router_index()).engine->counters();
  const auto router_before = rc.bytes_sent;
  std::uint64_t leaves_before = 0;
  for (auto l : leaves) leaves_before += m.node(l).engine->counters().bytes_sent;
  const double cpu_before = cpu_ms();
  const auto router_cpu_before = m.router_cpu;
  m.run_until(m.now() + std::chrono::minutes(minutes));
  const double cpu = (cpu_ms() - cpu_before) / minutes;
  const double router_cpu =
      std::chrono::duration<double, std::milli>(m.router_cpu - router_cpu_before).count() / minutes;
  const double router_bpm = static_cast<double>(rc.bytes_sent - router_before) / minutes;
  std::uint64_t leaves_after = 0;
  for (auto l : leaves) leaves_after += m.node(l).engine->counters().bytes_sent;
  const double leaf_bpm =
      static_cast<double>(leaves_after - leaves_before) / minutes / static_cast<double>(n);

  // New leaves join one after another (each lands at a different point of the others'
  // cycles); count virtual seconds until every other leaf knows it, and keep the worst.
  double converge = -1;
  for (int join = 0; join < 3; ++join) {
    const auto joined_at = m.now();
    const auto fresh = m.add_leaf();
    double took = -1;
    while (m.now() - joined_at < 900s) {
      m.run_until(m.now() + 1s);
      bool all = true;
      for (auto l : leaves)
        if (!m.knows(l, fresh)) {
          all = false;
          break;
        }
      if (all) {
        took = std::chrono::duration<double>(m.now() - joined_at).count();
        break;
      }
    }
    std::fprintf(stderr, "n=%zu join %d: %.0f s\n", n, join, took);
    if (took < 0) {
      converge = -1;  // did not converge within 15 minutes
      break;
    }
    converge = std::max(converge, took);
    leaves.push_back(fresh);
  }

  // Timing model: the new leaf's first cycle reaches the router, the router's next cycle
  // reaches every leaf: at most two 5 s cycles. Bytes: the router re-sends each of the ~3
  // facts per leaf (member 36 B, allowed IP 39 B, endpoint 41 B) to each other leaf when the
  // copy has under 132.5 s left (every ~125 s with 5 s cycles), plus 74 B of group header per
  // ~1136 B and a 50 B ping every 30 s per leaf.
  const double nn = static_cast<double>(n);
  const double fact_bytes = 116.0 * nn * (nn - 1) * 60.0 / 125.0;
  const double model_router = fact_bytes * (1.0 + 74.0 / 1136.0) + nn * 124.0 * 2.0;
  std::printf(
      "GOSSIP n=%zu converge_s=%.0f router_bytes_per_min=%.0f leaf_bytes_per_min=%.0f "
      "cpu_ms_per_min=%.0f\n",
      n, converge, router_bpm, leaf_bpm, cpu);
  std::printf("GOSSIP_CPU n=%zu router_cpu_ms_per_min=%.1f leaf_cpu_ms_per_min=%.1f\n", n,
              router_cpu, (cpu - router_cpu) / nn);
  std::printf("RATIO converge n=%zu measured/model %.2f\n", n, converge / 10.0);
  std::printf("RATIO router_bytes n=%zu measured/model %.2f\n", n, router_bpm / model_router);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes;
  for (int i = 1; i < argc; ++i)
    sizes.push_back(static_cast<std::size_t>(std::strtoul(argv[i], nullptr, 10)));
  if (sizes.empty()) sizes = {10, 100, 1000};
  for (auto n : sizes) run(n);
  return 0;
}
