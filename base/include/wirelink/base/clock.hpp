// Clock: the injected source of time. Protocol cores take `now` as an argument; the event loop
// reads it from a Clock. Tests use FakeClock and advance it explicitly (no sleeps).
#pragma once

#include <time.h>

#include <chrono>

namespace wl {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;  // monotonic, counts time spent suspended
  virtual WallTime wall() const = 0;  // for TAI64N, token expiry, handshake ages
};

// now() reads CLOCK_BOOTTIME: monotonic like steady_clock, but it keeps counting during
// suspend, so a suspended host sees the gap (boot-id roll, stale handshakes, expired facts)
// instead of resuming as if no time had passed.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    timespec ts{};
    ::clock_gettime(CLOCK_BOOTTIME, &ts);
    return TimePoint(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
  WallTime wall() const override { return std::chrono::system_clock::now(); }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::hours(1)),
                     WallTime wall_start = WallTime(std::chrono::seconds(1'800'000'000)))
      : now_(start), wall_(wall_start) {}
  TimePoint now() const override { return now_; }
  WallTime wall() const override { return wall_; }
  void advance(Duration d) {
    now_ += d;
    wall_ += d;
  }
  // Steps wall time only (an NTP step); monotonic time is unaffected.
  void step_wall(Duration d) { wall_ += d; }

 private:
  TimePoint now_;
  WallTime wall_;
};

}  // namespace wl
