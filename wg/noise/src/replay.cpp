#include "wirelink/wg/noise/replay.hpp"

namespace wl::wg::noise {

bool ReplayWindow::accept(std::uint64_t counter, std::uint64_t limit) {
  if (counter >= limit) return false;
  std::uint64_t word = counter / 64;
  if (counter > last_) {
    // Slide forward: clear the words between the old head and the new one (at most all).
    const std::uint64_t head = last_ / 64;
    std::uint64_t steps = word - head;
    if (steps > kWords) steps = kWords;
    for (std::uint64_t i = 1; i <= steps; ++i) ring_[(head + i) % kWords] = 0;
    last_ = counter;
  } else if (last_ - counter > kWindow) {
    return false;
  }
  const std::uint64_t bit = std::uint64_t{1} << (counter % 64);
  std::uint64_t& w = ring_[word % kWords];
  if ((w & bit) != 0) return false;
  w |= bit;
  return true;
}

}  // namespace wl::wg::noise
