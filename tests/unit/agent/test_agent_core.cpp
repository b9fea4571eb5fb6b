// The agent core's lifecycle, driven event by event with a fake clock, against the fake kernel
// behind the real kernel device and the real rtnetlink link control (no sockets, no root).
// "Someone else" (the operator, wg-quick, NetworkManager) changes the interface through a
// second rtnetlink client on the same fake kernel, and the core hears it as link events.
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <signal.h>

#include "fake_device.hpp"
#include "wirelink/agent/agent_core.hpp"
#include "wirelink/agent/facts_gossip.hpp"
#include "wirelink/agent/netlink_backends.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/base/keys.hpp"
#include "wirelink/netlink/rtnl_client.hpp"
#include "wirelink/netlink_fake/fake_kernel.hpp"

namespace wl::agent {
namespace {

using namespace std::chrono_literals;
using netlink_fake::FakeKernel;
using K = action::Notify::Kind;

template <class T>
std::vector<T> all_of(const Actions& as) {
  std::vector<T> out;
  for (const auto& a : as)
    if (auto* p = std::get_if<T>(&a)) out.push_back(*p);
  return out;
}

std::vector<K> notifications(const Actions& as) {
  std::vector<K> out;
  for (const auto& n : all_of<action::Notify>(as)) out.push_back(n.kind);
  return out;
}

class AgentCoreTest : public ::testing::Test {
 protected:
  AgentCoreTest() {
    other_sock_ = kernel_.open(NETLINK_ROUTE);
    other_ = std::make_unique<netlink::RouteClient>(*other_sock_);
    key_ = generate_private_key();
  }

  // wg0 as wg-quick leaves it: up, with a key and a listen port.
  void create_interface(const PrivateKey& key) {
    auto& l = kernel_.add_link("wg0", "wireguard");
    l.flags |= IFF_UP;
    l.wg.private_key = key.clone();
    l.wg.public_key = public_key_of(key);
    l.wg.listen_port = 51820;
  }

  LoadedConfig config(std::uint16_t port = 0) const {
    LoadedConfig c;
    c.config.iface = "wg0";
    c.config.port = port;
    return c;
  }

  void start_core(std::optional<Duration> watchdog = std::nullopt, bool scripted_gossip = false) {
    device_ = make_kernel_device("wg0", kernel_.open(NETLINK_GENERIC));
    links_ =
        make_rtnl_link_control(kernel_.open(NETLINK_ROUTE), kernel_.open(NETLINK_ROUTE, true), -1);
    CoreDeps d;
    d.device = device_.get();
    d.links = links_.get();
    d.clock = &clock_;
    d.make_gossip = [this, scripted_gossip](const PrivateKey& own, const Config& cfg,
                                            TimePoint now) -> std::unique_ptr<GossipView> {
      if (!scripted_gossip) return make_facts_gossip(own, cfg, now, &clock_);
      auto g = std::make_unique<test::ScriptedGossip>();
      gossip_ = g.get();
      return g;
    };
    d.watchdog_interval = watchdog;
    core_.emplace(config(), std::move(d), clock_.now());
  }

  // Performs the actions as the shell would; binding always succeeds here.
  Actions perform(Actions as) {
    Actions all;
    for (std::size_t i = 0; i < as.size(); ++i) {
      all.push_back(as[i]);
      if (auto* b = std::get_if<action::BindFactSocket>(&as[i])) {
        bound_ = *b;
        auto more = core_->on_fact_socket(Result<void>(), clock_.now());
        as.insert(as.begin() + static_cast<std::ptrdiff_t>(i) + 1, more.begin(), more.end());
      } else if (std::holds_alternative<action::CloseFactSocket>(as[i])) {
        bound_.reset();
      }
    }
    return all;
  }

  Actions events() { return perform(core_->on_link_events(links_->take_events(), clock_.now())); }
  Actions tick(Duration d) {
    clock_.advance(d);
    return perform(core_->on_tick(clock_.now()));
  }

  bool has_address(const PrivateKey& key, std::uint32_t ifindex) const {
    const auto ll = link_local_for(public_key_of(key));
    for (const auto& a : kernel_.addresses)
      if (a.ifindex == ifindex && a.address == ll && a.prefix == 64) return true;
    return false;
  }

  FakeKernel kernel_;
  std::unique_ptr<netlink::Transport> other_sock_;
  std::unique_ptr<netlink::RouteClient> other_;
  FakeClock clock_;
  PrivateKey key_;
  std::unique_ptr<WireGuardDevice> device_;
  std::unique_ptr<LinkControl> links_;
  std::optional<AgentCore> core_;
  std::optional<action::BindFactSocket> bound_;
  test::ScriptedGossip* gossip_ = nullptr;  // owned by the core, with scripted_gossip
};

TEST_F(AgentCoreTest, StartsRunningAddsTheLinkLocalAndBindsTheFactSocket) {
  create_interface(key_);
  start_core();
  auto as = perform(core_->on_start(clock_.now()));
  EXPECT_EQ(core_->state(), Lifecycle::running);
  const auto idx = kernel_.link("wg0")->index;
  EXPECT_TRUE(has_address(key_, idx));
  ASSERT_TRUE(bound_);
  EXPECT_EQ(bound_->address, link_local_for(public_key_of(key_)));
  EXPECT_EQ(bound_->ifindex, idx);
  EXPECT_EQ(bound_->port, 51821);  // ListenPort + 1
  EXPECT_EQ(notifications(as), std::vector<K>{K::ready});
  EXPECT_TRUE(core_->status(clock_.now()).fact_socket_bound);
  // The next cycle reports STATUS, never READY again.
  auto later = tick(5s);
  EXPECT_EQ(notifications(later), std::vector<K>{K::status});
}

TEST_F(AgentCoreTest, InterfaceMissingAtStartIsAwaitedThenAdopted) {
  start_core();
  auto as = perform(core_->on_start(clock_.now()));
  EXPECT_EQ(core_->state(), Lifecycle::waiting_for_interface);
  EXPECT_STREQ(to_string(core_->state()), "waiting for interface");
  EXPECT_TRUE(all_of<action::Stop>(as).empty());
  EXPECT_EQ(notifications(as), (std::vector<K>{K::status, K::ready}));
  EXPECT_FALSE(bound_);

  create_interface(key_);
  auto after = events();
  EXPECT_EQ(core_->state(), Lifecycle::running);
  EXPECT_TRUE(has_address(key_, kernel_.link("wg0")->index));
  EXPECT_TRUE(bound_);
  // READY was sent while waiting; running reports STATUS.
  EXPECT_EQ(notifications(after), std::vector<K>{K::status});
}

TEST_F(AgentCoreTest, InterfaceDeletedWhileRunningStopsWithAFailure) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  ASSERT_TRUE(other_->delete_link(kernel_.link("wg0")->index));
  auto as = events();
  auto stops = all_of<action::Stop>(as);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].exit_code, kExitFatal);
  EXPECT_EQ(core_->state(), Lifecycle::stopping);
  // Nothing more happens once stopping.
  EXPECT_TRUE(tick(5s).empty());
}

TEST_F(AgentCoreTest, InterfaceRecreatedIsAdoptedWithTheNewIndex) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  const auto old_idx = kernel_.link("wg0")->index;
  ASSERT_TRUE(other_->delete_link(old_idx));
  create_interface(key_);  // wg-quick down; wg-quick up, before we read the events
  const auto new_idx = kernel_.link("wg0")->index;
  ASSERT_NE(old_idx, new_idx);
  auto as = events();
  EXPECT_TRUE(all_of<action::Stop>(as).empty());
  EXPECT_EQ(core_->state(), Lifecycle::running);
  EXPECT_EQ(all_of<action::CloseFactSocket>(as).size(), 1u);
  ASSERT_TRUE(bound_);
  EXPECT_EQ(bound_->ifindex, new_idx);
  EXPECT_TRUE(has_address(key_, new_idx));
}

TEST_F(AgentCoreTest, LinkDownWaitsAndLinkUpRebinds) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  const auto idx = kernel_.link("wg0")->index;
  ASSERT_TRUE(other_->set_up(idx, false));
  auto down = events();
  EXPECT_EQ(core_->state(), Lifecycle::waiting_for_interface);
  EXPECT_FALSE(bound_);
  EXPECT_FALSE(core_->status(clock_.now()).interface_up);
  EXPECT_EQ(notifications(down), std::vector<K>{K::status});
  // The kernel drops a downed link's IPv6 addresses.
  std::erase_if(kernel_.addresses, [&](const auto& a) { return a.ifindex == idx; });
  ASSERT_TRUE(other_->set_up(idx, true));
  events();
  EXPECT_EQ(core_->state(), Lifecycle::running);
  EXPECT_TRUE(has_address(key_, idx));
  ASSERT_TRUE(bound_);
  EXPECT_EQ(bound_->ifindex, idx);
}

TEST_F(AgentCoreTest, AddressRemovedBySomeoneElseIsAddedAgain) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  const auto idx = kernel_.link("wg0")->index;
  ASSERT_TRUE(other_->del_address(idx, link_local_for(public_key_of(key_)), 64));
  ASSERT_FALSE(has_address(key_, idx));
  events();
  EXPECT_TRUE(has_address(key_, idx));
  EXPECT_EQ(core_->status(clock_.now()).link_events, 1u);
}

TEST_F(AgentCoreTest, KeyChangedOnTheDeviceMovesToTheNewLinkLocal) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  auto fresh = generate_private_key();
  auto* dev = kernel_.device("wg0");
  dev->private_key = fresh.clone();
  dev->public_key = public_key_of(fresh);
  auto as = tick(5s);
  EXPECT_EQ(core_->status(clock_.now()).public_key, public_key_of(fresh));
  EXPECT_EQ(all_of<action::CloseFactSocket>(as).size(), 1u);
  ASSERT_TRUE(bound_);
  EXPECT_EQ(bound_->address, link_local_for(public_key_of(fresh)));
  EXPECT_TRUE(has_address(fresh, kernel_.link("wg0")->index));
}

TEST_F(AgentCoreTest, DeviceWithoutAKeyIsAwaited) {
  kernel_.add_link("wg0", "wireguard").flags |= IFF_UP;
  start_core();
  auto as = perform(core_->on_start(clock_.now()));
  EXPECT_EQ(core_->state(), Lifecycle::waiting_for_key);
  EXPECT_EQ(notifications(as), (std::vector<K>{K::status, K::ready}));
  auto* dev = kernel_.device("wg0");
  dev->private_key = key_.clone();
  dev->public_key = public_key_of(key_);
  dev->listen_port = 51820;
  tick(5s);
  EXPECT_EQ(core_->state(), Lifecycle::running);
  EXPECT_TRUE(bound_);
}

TEST_F(AgentCoreTest, SighupWithAValidConfigAppliesIt) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  auto as = perform(core_->on_reload(config(52000), clock_.now()));
  EXPECT_EQ(notifications(as), (std::vector<K>{K::reloading, K::ready}));
  EXPECT_EQ(core_->config().port, 52000);
  EXPECT_EQ(core_->state(), Lifecycle::running);
  // The fact socket moves to the new port at the next tick.
  EXPECT_FALSE(bound_);
  tick(1s);
  ASSERT_TRUE(bound_);
  EXPECT_EQ(bound_->port, 52000);
}

TEST_F(AgentCoreTest, SighupWithAnInvalidConfigKeepsTheOldOne) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  auto bad = perform(core_->on_signal(
      SIGHUP, [] { return Result<LoadedConfig>(make_error(std::errc::invalid_argument, "x")); },
      clock_.now()));
  EXPECT_EQ(notifications(bad), (std::vector<K>{K::reloading, K::ready}));
  EXPECT_EQ(core_->config().port, 0);
  EXPECT_TRUE(bound_);  // untouched
  // Another interface's configuration needs a restart: also kept.
  auto other = config(52000);
  other.config.iface = "wg1";
  perform(core_->on_reload(std::move(other), clock_.now()));
  EXPECT_EQ(core_->config().iface, "wg0");
  EXPECT_EQ(core_->config().port, 0);
  EXPECT_EQ(core_->state(), Lifecycle::running);
}

TEST_F(AgentCoreTest, WatchdogPingsAtHalfTheIntervalAndReadyComesFirst) {
  create_interface(key_);
  start_core(20s);
  auto first = perform(core_->on_start(clock_.now()));
  auto n = notifications(first);
  ASSERT_FALSE(n.empty());
  EXPECT_EQ(n.front(), K::ready);
  int pings = 0;
  for (int i = 0; i < 30; ++i)
    for (auto k : notifications(tick(1s))) pings += k == K::watchdog;
  // 30 s at one ping per 10 s: at 1 s, 11 s and 21 s.
  EXPECT_EQ(pings, 3);
}

TEST_F(AgentCoreTest, TermStopsCleanlyAndRemovesOnlyWhatWeAdded) {
  create_interface(key_);
  start_core();
  perform(core_->on_start(clock_.now()));
  const auto idx = kernel_.link("wg0")->index;
  auto as = perform(core_->on_signal(SIGTERM, nullptr, clock_.now()));
  auto stops = all_of<action::Stop>(as);
  ASSERT_EQ(stops.size(), 1u);
  EXPECT_EQ(stops[0].exit_code, kExitOk);
  auto fin = perform(core_->on_stop(clock_.now()));
  EXPECT_EQ(notifications(fin), std::vector<K>{K::stopping});
  EXPECT_FALSE(bound_);
  EXPECT_FALSE(has_address(key_, idx));
}

TEST_F(AgentCoreTest, AnAddressThatWasAlreadyThereIsLeftAtStop) {
  create_interface(key_);
  const auto idx = kernel_.link("wg0")->index;
  ASSERT_TRUE(other_->add_address(idx, link_local_for(public_key_of(key_)), 64));
  start_core();
  perform(core_->on_start(clock_.now()));
  perform(core_->on_stop(clock_.now()));
  EXPECT_TRUE(has_address(key_, idx));
}

}  // namespace
}  // namespace wl::agent

namespace wl::agent {
namespace {

const device_model::PeerState* device_peer(FakeKernel& k, const PublicKey& key) {
  for (const auto& p : k.link("wg0")->wg.peers)
    if (p.public_key == key) return &p;
  return nullptr;
}

// Fast learning, the agent's half: news from the gossip (here a new member with an endpoint)
// runs a cycle kReactDelay later, not at the next 5 s boundary, and the new peer joins the
// device with an endpoint and a nudge so its first handshake starts at once.
TEST_F(AgentCoreTest, NewsFromTheGossipRunsACycleWithinTheReactDelay) {
  create_interface(key_);
  start_core(std::nullopt, true);
  perform(core_->on_start(clock_.now()));
  ASSERT_EQ(core_->state(), Lifecycle::running);
  ASSERT_NE(gossip_, nullptr);
  tick(1s);
  const PublicKey b = public_key_of(generate_private_key());
  gossip_->member_keys = {b};
  gossip_->endpoints[b] = {*Endpoint::parse("192.0.2.7:51820")};
  // Without news the agent waits for its cycle.
  tick(1s);
  EXPECT_EQ(device_peer(kernel_, b), nullptr);
  EXPECT_FALSE(core_->next_wake().has_value() &&
               *core_->next_wake() < clock_.now() + timing::kReactDelay);
  perform(core_->on_datagram(link_local_for(b), std::vector<std::uint8_t>{1}, clock_.now()));
  ASSERT_TRUE(core_->next_wake().has_value());
  EXPECT_EQ(*core_->next_wake(), clock_.now() + timing::kReactDelay);
  auto as = tick(timing::kReactDelay);
  const auto* p = device_peer(kernel_, b);
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(p->endpoint.has_value());
  EXPECT_EQ(*p->endpoint, *Endpoint::parse("192.0.2.7:51820"));
  bool nudged = false;
  for (const auto& s : all_of<action::Send>(as))
    nudged |= s.dst == link_local_for(b) && s.port == timing::kNudgePort;
  EXPECT_TRUE(nudged);
  // The device change brings another early cycle (the gossip's view of the new peer).
  ASSERT_TRUE(core_->next_wake().has_value());
  EXPECT_LE(*core_->next_wake(), clock_.now() + timing::kReactGap);
}

TEST_F(AgentCoreTest, EarlyCyclesComeNoCloserThanTheReactGap) {
  create_interface(key_);
  start_core(std::nullopt, true);
  perform(core_->on_start(clock_.now()));
  const TimePoint started = clock_.now();
  perform(core_->on_datagram(link_local_for(public_key_of(key_)), std::vector<std::uint8_t>{1},
                             clock_.now()));
  ASSERT_TRUE(core_->next_wake().has_value());
  EXPECT_EQ(*core_->next_wake(), started + timing::kReactGap);
  gossip_->datagrams_are_news = false;
  tick(timing::kReactGap);
  perform(core_->on_datagram(link_local_for(public_key_of(key_)), std::vector<std::uint8_t>{1},
                             clock_.now()));
  EXPECT_FALSE(core_->next_wake().has_value());  // nothing new: the regular cycle will do
}

}  // namespace
}  // namespace wl::agent
