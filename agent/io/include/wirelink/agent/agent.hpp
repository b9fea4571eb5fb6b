// The agent's shell: owns the file descriptors (epoll, signalfd, timerfd, the control socket,
// the fact socket, the rtnetlink event socket, the coordinator session's eventfd) and performs
// what the AgentCore (agent_core.hpp) decides.
//
// Contract: run_agent() blocks until a stop signal (returns 0) or a fatal condition (returns 1:
// the interface vanished, or the device cannot be reached). Everything runs on the calling
// thread. On stop it removes only what it added (our link-local address); peers and their
// allowed IPs stay as they are so traffic keeps flowing and a restart adopts them.
// With CoordinatorURL set it also runs a coordinator session (its own threads, polled through
// an eventfd on the loop): its token goes out as a token fact, its cohort peers become members
// until the token expires, and stop disconnects it.
#pragma once

#include <functional>
#include <memory>

#include "wirelink/agent/agent_core.hpp"
#include "wirelink/agent/notifier.hpp"

namespace wl::agent {

struct AgentDeps {
  std::unique_ptr<WireGuardDevice> device;
  std::unique_ptr<LinkControl> links;
  std::unique_ptr<Notifier> notifier;
  GossipFactory make_gossip;
  CoordinatorFactory make_coordinator;           // used when CoordinatorURL is set
  std::function<Result<LoadedConfig>()> reload;  // re-reads file/env/flags for SIGHUP
  Resolver resolve;  // configured host:port -> endpoints; must not block (AsyncResolver)
  const Clock* clock = nullptr;
};

int run_agent(LoadedConfig cfg, AgentDeps deps);

}  // namespace wl::agent
