// FactsGossip: the GossipView backed by the facts module's GossipEngine (the real gossip).
//
// Contract: single-threaded like the engine; hands the state machine's facts::LocalView to the
// engine as it is (configuration, resolved endpoints, health and role are already in it), and
// translates the engine's answers into what the peer state machine asks.
// With a CoordinatorPublicKey configured, token facts are verified offline against it (the
// subject must be the token's sub, the token unexpired at the clock's wall time); a verified
// token admits its subject as a member until the token's exp. Tokens that fail are counted
// under facts_rejected "token: <reason>" and grant nothing.
#pragma once

#include <memory>

#include "wirelink/agent/gossip.hpp"

namespace wl::agent {

// `clock` (wall time for token expiry) may be null only when no coordinator key is configured.
std::unique_ptr<GossipView> make_facts_gossip(const PrivateKey& own, const Config& cfg,
                                              TimePoint now, const Clock* clock = nullptr);

}  // namespace wl::agent
