// ReplayWindow: the RFC 6479 sliding window over transport counters, 8192 bits (the size the
// kernel and wireguard-go use since 2020).
//
// Contract: not thread-safe; only call accept() for authenticated packets. accept() returns
// false for a replay, a counter too far behind, or a counter >= limit.
#pragma once

#include <array>
#include <cstdint>

namespace wl::wg::noise {

class ReplayWindow {
 public:
  static constexpr std::uint64_t kWords = 128;
  static constexpr std::uint64_t kBits = kWords * 64;
  static constexpr std::uint64_t kWindow = kBits - 64;  // usable span, 8128 packets

  void reset() {
    last_ = 0;
    ring_.fill(0);
  }
  bool accept(std::uint64_t counter, std::uint64_t limit);

 private:
  std::uint64_t last_ = 0;
  std::array<std::uint64_t, kWords> ring_{};
};

}  // namespace wl::wg::noise
