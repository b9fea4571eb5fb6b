// AsyncResolver: the event loop never waits for DNS. A lookup held open by the test shows that
// resolve() returns at once (empty) while the worker is blocked; answers are cached, refreshed
// after the interval, kept when a refresh fails, and failed names are retried only after
// retry_after. One real getaddrinfo lookup of "localhost" (from /etc/hosts) runs too.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "wirelink/agent/async_resolver.hpp"

namespace wl::agent {
namespace {

using namespace std::chrono_literals;

// A lookup the test controls: each call blocks until release() and answers `next`.
struct GatedLookup {
  std::mutex mu;
  std::condition_variable cv;
  int released = 0, calls = 0;
  std::vector<Endpoint> next;
  std::vector<Endpoint> operator()(const HostPort&) {
    std::unique_lock lk(mu);
    const int me = ++calls;
    cv.wait(lk, [&] { return released >= me; });
    return next;
  }
  void release(std::vector<Endpoint> answer) {
    std::lock_guard lk(mu);
    next = std::move(answer);
    ++released;
    cv.notify_all();
  }
};

// Polls (without a timed assertion: the bound only stops a hung test) until cond holds.
template <typename F>
bool eventually(F cond) {
  for (int i = 0; i < 2000; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return cond();
}

const HostPort kName{"peer.example.test", 51820};
const Endpoint kAddr1 = *Endpoint::parse("192.0.2.7:51820");
const Endpoint kAddr2 = *Endpoint::parse("192.0.2.8:51820");

TEST(AsyncResolver, LiteralsNeverReachTheWorker) {
  FakeClock clock;
  auto gate = std::make_shared<GatedLookup>();
  AsyncResolver r([gate](const HostPort& hp) { return (*gate)(hp); }, clock);
  auto out = r.resolve(HostPort{"2001:db8::1", 7});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], *Endpoint::parse("[2001:db8::1]:7"));
  EXPECT_EQ(gate->calls, 0);
}

TEST(AsyncResolver, ANameNeverBlocksAndIsAnsweredLater) {
  FakeClock clock;
  auto gate = std::make_shared<GatedLookup>();
  AsyncResolver r([gate](const HostPort& hp) { return (*gate)(hp); }, clock);
  // The worker is blocked inside the lookup; resolve() still returns, empty.
  EXPECT_TRUE(r.resolve(kName).empty());
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lk(gate->mu);
    return gate->calls == 1;
  }));
  EXPECT_TRUE(r.resolve(kName).empty());  // asked again while in flight: not queued twice
  gate->release({kAddr1});
  ASSERT_TRUE(eventually([&] { return r.lookups() == 1; }));
  EXPECT_EQ(r.resolve(kName), std::vector<Endpoint>{kAddr1});
  {
    std::lock_guard lk(gate->mu);
    EXPECT_EQ(gate->calls, 1);  // cached: no second lookup within the refresh interval
  }

  // After the refresh interval the old answer is served while the new one is looked up.
  clock.advance(5min);
  EXPECT_EQ(r.resolve(kName), std::vector<Endpoint>{kAddr1});
  gate->release({kAddr2});
  ASSERT_TRUE(eventually([&] { return r.lookups() == 2; }));
  EXPECT_EQ(r.resolve(kName), std::vector<Endpoint>{kAddr2});

  // A failed refresh keeps the last answer, and is not retried before retry_after.
  clock.advance(5min);
  (void)r.resolve(kName);
  gate->release({});
  ASSERT_TRUE(eventually([&] { return r.lookups() == 3; }));
  EXPECT_EQ(r.resolve(kName), std::vector<Endpoint>{kAddr2});
  clock.advance(10s);
  (void)r.resolve(kName);
  std::this_thread::sleep_for(20ms);
  {
    std::lock_guard lk(gate->mu);
    EXPECT_EQ(gate->calls, 3);
  }
  clock.advance(30s);
  (void)r.resolve(kName);
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lk(gate->mu);
    return gate->calls == 4;
  }));
  gate->release({kAddr1});
  ASSERT_TRUE(eventually([&] { return r.lookups() == 4; }));
  EXPECT_EQ(r.resolve(kName), std::vector<Endpoint>{kAddr1});
}

TEST(AsyncResolver, DestroyedWhileALookupIsInFlight) {
  FakeClock clock;
  auto gate = std::make_shared<GatedLookup>();
  {
    AsyncResolver r([gate](const HostPort& hp) { return (*gate)(hp); }, clock);
    (void)r.resolve(kName);
    ASSERT_TRUE(eventually([&] {
      std::lock_guard lk(gate->mu);
      return gate->calls == 1;
    }));
  }                         // the resolver is gone; the worker still holds the lookup
  gate->release({kAddr1});  // it finishes against the shared state and exits
  // Under ASan (CI's unit run) a worker touching freed state would fail here.
  ASSERT_TRUE(eventually([&] { return gate.use_count() == 1; }));  // the worker let go
}

// A name that does not resolve is said once in the log, with the resolver's reason, however
// often the agent asks; failure() gives the reason for `show`.
TEST(AsyncResolver, AFailingNameIsLoggedOnceWithTheReason) {
  FakeClock clock;
  std::atomic<int> calls = 0;
  AsyncResolver r(
      [&](const HostPort&) {
        ++calls;
        return LookupAnswer({}, "Name or service not known");
      },
      clock);
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto old = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  (void)r.resolve(kName);
  ASSERT_TRUE(eventually([&] { return r.lookups() == 1; }));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(r.resolve(kName).empty());
  clock.advance(30s);  // retried, still failing: not logged again
  (void)r.resolve(kName);
  ASSERT_TRUE(eventually([&] { return r.lookups() == 2; }));
  (void)r.resolve(kName);
  const auto lines = sink->last_formatted();
  spdlog::set_default_logger(old);
  EXPECT_EQ(r.failure(kName), "Name or service not known");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("endpoint peer.example.test:51820 does not resolve: Name or service "
                          "not known"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[0].find("info"), std::string::npos) << lines[0];
}

TEST(AsyncResolver, RealLookupOfLocalhost) {
  SystemClock clock;
  AsyncResolver r(lookup_with_getaddrinfo, clock);
  const HostPort hp{"localhost", 4242};
  std::vector<Endpoint> out;
  ASSERT_TRUE(eventually([&] {
    out = r.resolve(hp);
    return !out.empty();
  }));
  bool loopback = false;
  for (const auto& e : out) {
    EXPECT_EQ(e.port(), 4242);
    loopback =
        loopback || e == *Endpoint::parse("127.0.0.1:4242") || e == *Endpoint::parse("[::1]:4242");
  }
  EXPECT_TRUE(loopback);
}

}  // namespace
}  // namespace wl::agent
