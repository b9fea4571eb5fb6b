// CryptoPool: every index is processed exactly once per run, by several threads, across many
// consecutive batches of varying size (including ones below the parallel threshold).
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "wirelink/wg/device/crypto_pool.hpp"

using wl::wg::device::CryptoPool;

TEST(WgCryptoPool, EachIndexOnceAcrossThreads) {
  CryptoPool pool(3, 4);
  ASSERT_EQ(pool.workers(), 3u);
  std::vector<std::atomic<int>> hits(600);
  std::set<std::thread::id> threads;
  std::mutex mu;
  for (int round = 0; round < 300; ++round) {
    const std::size_t n = static_cast<std::size_t>((round * 37) % 600);
    for (auto& h : hits) h = 0;
    pool.run(n, [&](std::size_t i) {
      hits[i].fetch_add(1);
      std::lock_guard<std::mutex> g(mu);
      threads.insert(std::this_thread::get_id());
    });
    for (std::size_t i = 0; i < hits.size(); ++i)
      ASSERT_EQ(hits[i].load(), i < n ? 1 : 0) << "round " << round;
  }
  EXPECT_GE(threads.size(), 2u);
}

TEST(WgCryptoPool, NoWorkersRunsInline) {
  CryptoPool pool(0);
  const auto me = std::this_thread::get_id();
  int count = 0;
  pool.run(100, [&](std::size_t) {
    EXPECT_EQ(std::this_thread::get_id(), me);
    ++count;
  });
  EXPECT_EQ(count, 100);
}
