// FactsGossip: the GossipView backed by the facts module's GossipEngine (the real gossip).
//
// Contract: single-threaded like the engine; translates the agent's view and configuration into
// the engine's LocalView, and the engine's answers into what the peer state machine asks.
// Configured endpoints are resolved with the injected resolver (DNS) once per view update.
#pragma once

#include <memory>

#include "wirelink/agent/gossip.hpp"
#include "wirelink/agent/peer_state_machine.hpp"

namespace wl::agent {

std::unique_ptr<GossipView> make_facts_gossip(const PrivateKey& own, const Config& cfg, Resolver resolve,
                                              TimePoint now);

}  // namespace wl::agent
