// Sliding-window replay protection: edge cases around the window size, sliding, and limits.
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "wirelink/wg/noise/constants.hpp"
#include "wirelink/wg/noise/replay.hpp"
#include "wirelink/wg/noise/tai64n.hpp"

using wl::wg::noise::ReplayWindow;
constexpr std::uint64_t kLimit = wl::wg::noise::kRejectAfterMessages;
constexpr std::uint64_t W = ReplayWindow::kWindow;

TEST(WgReplay, EdgeCases) {
  ReplayWindow w;
  EXPECT_TRUE(w.accept(0, kLimit));
  EXPECT_FALSE(w.accept(0, kLimit));
  EXPECT_TRUE(w.accept(1, kLimit));
  EXPECT_FALSE(w.accept(1, kLimit));
  EXPECT_TRUE(w.accept(9, kLimit));
  EXPECT_TRUE(w.accept(8, kLimit));
  EXPECT_TRUE(w.accept(7, kLimit));
  EXPECT_FALSE(w.accept(7, kLimit));
  EXPECT_TRUE(w.accept(W + 9, kLimit));  // slides: 9 is exactly W behind
  EXPECT_FALSE(w.accept(8, kLimit));     // now W+1 behind
  EXPECT_TRUE(w.accept(W + 8, kLimit));  // inside, unseen
  EXPECT_FALSE(w.accept(W + 9, kLimit));
  EXPECT_TRUE(w.accept(3 * W, kLimit));  // jump far ahead clears everything
  EXPECT_FALSE(w.accept(2 * W - 1, kLimit));
  EXPECT_TRUE(w.accept(2 * W, kLimit));  // exactly W behind: accepted
  EXPECT_FALSE(w.accept(2 * W, kLimit));
  // Limits.
  EXPECT_FALSE(w.accept(kLimit, kLimit));
  EXPECT_TRUE(w.accept(kLimit - 1, kLimit));
  EXPECT_FALSE(w.accept(kLimit - 1, kLimit));
}

TEST(WgReplay, MatchesSetModelUnderReordering) {
  std::mt19937_64 rng(42);
  ReplayWindow w;
  std::set<std::uint64_t> seen;
  std::uint64_t last = 0;
  bool any = false;
  for (int i = 0; i < 200000; ++i) {
    std::uint64_t base = last + 50;
    std::uint64_t delta = rng() % (W + 200);
    std::uint64_t ctr = base > delta ? base - delta : rng() % 64;
    bool too_old = any && ctr < last && last - ctr > W;
    bool want = !too_old && !seen.count(ctr);
    ASSERT_EQ(w.accept(ctr, kLimit), want) << "ctr " << ctr << " last " << last;
    if (want) {
      seen.insert(ctr);
      if (!any || ctr > last) last = ctr;
      any = true;
    }
  }
}

TEST(WgTai64n, EncodingAndRounding) {
  using namespace std::chrono;
  wl::WallTime t(seconds(1) + nanoseconds(123456789));
  auto ts = wl::wg::noise::tai64n_from(t);
  // 0x400000000000000a + 1, big-endian
  EXPECT_EQ(ts[0], 0x40);
  EXPECT_EQ(ts[7], 0x0b);
  const std::uint32_t ns = (std::uint32_t{ts[8]} << 24) | (ts[9] << 16) | (ts[10] << 8) | ts[11];
  EXPECT_EQ(ns, 123456789u & ~0xFFFFFFu);
  auto later = wl::wg::noise::tai64n_from(t + milliseconds(17));
  EXPECT_TRUE(wl::wg::noise::tai64n_after(later, ts));
  EXPECT_FALSE(wl::wg::noise::tai64n_after(ts, ts));
}
