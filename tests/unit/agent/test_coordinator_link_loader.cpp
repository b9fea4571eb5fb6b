// The coordinator module as the agent loads it: the real coordinator-link.so from this build,
// dlopen()ed through coordinator_link_factory, running a real libcurl session against a port
// nobody listens on (it must report "unreachable"), and the errors for a missing module and for
// a shared object that is not one.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <string>

#include "wirelink/agent/coordinator_link_loader.hpp"

#ifndef WL_COORDINATOR_LINK_MODULE
#error "WL_COORDINATOR_LINK_MODULE (path of the built module) must be defined"
#endif

namespace wl::agent {
namespace {

using namespace std::chrono_literals;

PrivateKey some_private_key() {
  std::array<std::uint8_t, 32> b{};
  b.fill(7);
  return PrivateKey::from(std::span<const std::uint8_t, 32>(b));
}
PublicKey some_key() {
  return public_key_of(some_private_key());
}

TEST(CoordinatorLinkLoader, LoadsAndRunsARealSession) {
  SystemClock clock;
  Config cfg;
  cfg.coordinator_url = "http://127.0.0.1:9";  // discard port: nothing listens on loopback
  auto make = coordinator_link_factory(WL_COORDINATOR_LINK_MODULE);
  auto link = make(some_key(), some_private_key(), cfg, clock);
  ASSERT_TRUE(link) << link.error().message();
  ASSERT_GE((*link)->notify_fd(), 0);
  std::string state;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (state != "unreachable" && std::chrono::steady_clock::now() < deadline) {
    pollfd p{(*link)->notify_fd(), POLLIN, 0};
    ::poll(&p, 1, 500);
    state = (*link)->poll().state;
  }
  EXPECT_EQ(state, "unreachable");
  EXPECT_FALSE((*link)->poll().last_error.empty());
  (*link)->stop();
  EXPECT_EQ((*link)->poll().state, "stopped");

  // A second link from the same factory reuses the loaded module.
  auto again = make(some_key(), some_private_key(), cfg, clock);
  ASSERT_TRUE(again) << again.error().message();
  (*again)->stop();
}

TEST(CoordinatorLinkLoader, ABadCoordinatorKeyIsReportedThroughTheModule) {
  SystemClock clock;
  Config cfg;
  cfg.coordinator_url = "http://127.0.0.1:9";
  cfg.coordinator_public_key = "k4.public.not-a-key";
  auto link = coordinator_link_factory(WL_COORDINATOR_LINK_MODULE)(some_key(), some_private_key(),
                                                                   cfg, clock);
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().message().find("CoordinatorPublicKey"), std::string::npos)
      << link.error().message();
}

TEST(CoordinatorLinkLoader, MissingModuleIsAClearError) {
  SystemClock clock;
  Config cfg;
  cfg.coordinator_url = "http://127.0.0.1:9";
  const std::string path = ::testing::TempDir() + "/no-such-dir/coordinator-link.so";
  auto link = coordinator_link_factory(path)(some_key(), some_private_key(), cfg, clock);
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().message().find("coordinator support is not available"), std::string::npos)
      << link.error().message();
  EXPECT_NE(link.error().message().find(path), std::string::npos) << link.error().message();
}

TEST(CoordinatorLinkLoader, AnotherSharedObjectIsRefused) {
  SystemClock clock;
  Config cfg;
  cfg.coordinator_url = "http://127.0.0.1:9";
  auto link = coordinator_link_factory("libmnl.so.0")(some_key(), some_private_key(), cfg, clock);
  ASSERT_FALSE(link);
  EXPECT_NE(link.error().message().find("is not a wirelink coordinator module"), std::string::npos)
      << link.error().message();
}

TEST(CoordinatorLinkLoader, DefaultPathIsBesideTheExecutable) {
  const std::string p = default_coordinator_link_module_path();
  EXPECT_NE(p.find("/../lib/wirelink/coordinator-link.so"), std::string::npos) << p;
  EXPECT_EQ(p.front(), '/');
}

}  // namespace
}  // namespace wl::agent
