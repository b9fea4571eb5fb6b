// TokenBucket: starts full, refills at its rate up to the burst, ignores time going backwards.
#include <gtest/gtest.h>

#include "wirelink/base/token_bucket.hpp"

namespace {

using std::chrono::milliseconds;
constexpr wl::TokenRate kRate{10, 3};  // one token per 100 ms, at most 3

TEST(TokenBucket, StartsFullThenRefusesUntilRefilled) {
  const wl::TimePoint t0{};
  wl::TokenBucket b(kRate, t0);
  EXPECT_TRUE(b.take(kRate, t0));
  EXPECT_TRUE(b.take(kRate, t0));
  EXPECT_TRUE(b.take(kRate, t0));
  EXPECT_FALSE(b.take(kRate, t0));
  EXPECT_FALSE(b.take(kRate, t0 + milliseconds(50)));  // half a token
  EXPECT_TRUE(b.take(kRate, t0 + milliseconds(100)));
  EXPECT_EQ(b.last_refill(), t0 + milliseconds(100));
}

TEST(TokenBucket, RefillStopsAtBurst) {
  const wl::TimePoint t0{};
  wl::TokenBucket b(kRate, t0);
  const auto later = t0 + std::chrono::seconds(60);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take(kRate, later));
  EXPECT_FALSE(b.take(kRate, later));
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  const wl::TimePoint t0 = wl::TimePoint{} + std::chrono::seconds(10);
  wl::TokenBucket b(kRate, t0);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.take(kRate, t0));
  EXPECT_FALSE(b.take(kRate, t0 - std::chrono::seconds(5)));
}

}  // namespace
