#include "wirelink/agent/facts_gossip.hpp"

#include <algorithm>
#include <memory>
#include <sstream>

#include "wirelink/agent/decisions.hpp"
#include "wirelink/agent/timing.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/peer_admission.hpp"

#include "wirelink/facts/engine.hpp"
#include "wirelink/trust/acceptance.hpp"

namespace wl::agent {

namespace {

class FactsGossip final : public GossipView {
 public:
  FactsGossip(const PrivateKey& own, const Config& cfg, TimePoint now, const Clock* clock)
      : token_counts_(std::make_shared<std::map<std::string, std::uint64_t>>()),
        tokens_(std::make_shared<std::map<PublicKey, std::string>>()),
        engine_(own.clone(), options_for(cfg, clock, token_counts_, tokens_), now),
        token_gated_(!cfg.coordinator_url.empty() && !cfg.coordinator_open_membership) {}

  // Token facts are checked offline against the configured coordinator key. The verifier
  // converts the token's wall-clock exp into the engine's monotonic time through the clock.
  static facts::EngineOptions options_for(
      const Config& cfg, const Clock* clock,
      const std::shared_ptr<std::map<std::string, std::uint64_t>>& counts,
      const std::shared_ptr<std::map<PublicKey, std::string>>& tokens) {
    facts::EngineOptions o;
    if (cfg.coordinator_public_key.empty() || clock == nullptr) return o;
    o.token_verifier = [key = cfg.coordinator_public_key, clock, counts, tokens](
                           const PublicKey& subject, std::span<const std::uint8_t> token,
                           TimePoint now) -> std::optional<TimePoint> {
      const WallTime wall = clock->wall();
      std::string_view text(reinterpret_cast<const char*>(token.data()), token.size());
      auto r = coordinator::verify_peer_token(text, key, subject, wall);
      if (!r) {
        ++(*counts)["token: " + r.error().code.message()];
        return std::nullopt;
      }
      ++(*counts)["token: verified"];
      (*tokens)[subject] = std::string(text);  // only coordinator-signed tokens are kept
      return now + std::chrono::duration_cast<Duration>(r->admitted_until - wall);
    };
    return o;
  }

  void set_coordinator(const CoordinatorGrant& g, TimePoint now) override {
    std::vector<std::uint8_t> tok(g.own_token.begin(), g.own_token.end());
    if (tok != own_token_) {
      own_token_ = tok;
      engine_.set_own_token(std::move(tok));
    }
    assigned_ = g.peers;
    assigned_until_ = g.until;
    if (g.until > now)
      for (const auto& p : g.peers)
        if (p.key != engine_.self()) engine_.trust().admit(p.key, g.until);
  }

  // Configuration reaches the engine through the view the state machine builds each cycle.
  // A reload may turn the coordinator on or off or change CoordinatorOpenMembership: the gate
  // follows at once (admissions already seen keep their grace).
  void set_config(const Config& cfg) override {
    token_gated_ = !cfg.coordinator_url.empty() && !cfg.coordinator_open_membership;
  }

  void set_local_view(const facts::LocalView& v, TimePoint now) override {
    peers_seen_.clear();
    for (const auto& p : v.device_peers) peers_seen_.push_back(p.key);
    engine_.set_local_view(v, now);
  }

  void on_datagram(const IpAddress& src, std::span<const std::uint8_t> bytes,
                   TimePoint now) override {
    engine_.on_datagram(src, bytes, now);
  }

  std::vector<OutgoingDatagram> tick(TimePoint now) override {
    std::vector<OutgoingDatagram> out;
    if (now < engine_.next_deadline()) return out;
    for (auto& d : engine_.tick(now)) out.push_back({link_local_for(d.peer), std::move(d.bytes)});
    return out;
  }

  std::optional<TimePoint> next_deadline() const override { return engine_.next_deadline(); }
  std::uint64_t generation() const override { return engine_.generation(); }

  std::vector<Endpoint> endpoints_of(const PublicKey& k, TimePoint now) const override {
    auto out = engine_.endpoints_of(k, now);
    if (const auto* a = assigned(k, now))
      for (const auto& e : a->endpoints)
        if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    return out;
  }
  std::string name_of(const PublicKey& k, TimePoint now) const override {
    const auto m = engine_.metadata_of(k, now);
    return m && m->name() ? *m->name() : std::string();
  }
  std::vector<Cidr> allowed_ips_of(const PublicKey& k, TimePoint now) const override {
    auto out = engine_.allowed_ips_of(k, now);
    if (const auto* a = assigned(k, now)) {
      for (const auto& c : a->allowed_ips)
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
      std::sort(out.begin(), out.end());
    }
    return out;
  }
  std::string token_of(const PublicKey& peer) const override {
    auto it = tokens_->find(peer);
    return it == tokens_->end() ? std::string() : it->second;
  }

  // Members named by facts or admitted tokens, plus the peers of our own cohort assignment
  // (admitted until our token expires). With a coordinator deciding membership, a member must
  // also hold (or have held within timing::kTokenGrace) a valid session token.
  std::vector<PublicKey> members(TimePoint now) const override {
    auto out = engine_.members(now);
    if (token_gated_) out = gate(out, now);
    if (assigned_until_ > now)
      for (const auto& p : assigned_)
        if (p.key != engine_.self() && std::find(out.begin(), out.end(), p.key) == out.end())
          out.push_back(p.key);
    return out;
  }
  std::optional<Duration> alive_remaining(const PublicKey& k, TimePoint now) const override {
    auto a = engine_.alive(k, now);
    if (!a || a->until <= now) return std::nullopt;
    return a->until - now;
  }
  std::optional<Duration> liveness_silence(const PublicKey& k, TimePoint now) const override {
    return engine_.silence(k, now);
  }
  TrustInfo trust_of(const PublicKey& k, TimePoint now) const override {
    auto d = engine_.trust_of(k, now);
    return TrustInfo{d.level, std::string(trust::to_string(d.source))};
  }
  GossipCounters counters() const override {
    const auto& c = engine_.counters();
    GossipCounters g;
    g.datagrams_received = c.datagrams_received;
    g.facts_received = c.facts_received;
    g.facts_accepted = c.facts_accepted;
    for (std::size_t i = 0; i < c.rejected.size(); ++i)
      if (c.rejected[i] && i != 0)
        g.facts_rejected["datagram: " +
                         std::string(facts::to_string(static_cast<facts::RejectReason>(i)))] =
            c.rejected[i];
    for (std::size_t i = 1; i < c.facts_refused.size(); ++i)
      if (const auto n = c.facts_rejected(static_cast<trust::Verdict>(i)))
        g.facts_rejected["fact: " + std::string(trust::to_string(static_cast<trust::Verdict>(i)))] =
            n;
    g.facts_ignored = c.facts_ignored;
    for (const auto& [k, v] : *token_counts_)
      if (k != "token: verified") g.facts_rejected[k] = v;
    if (auto it = token_counts_->find("token: verified"); it != token_counts_->end())
      g.tokens_verified = it->second;
    g.datagrams_sent = c.datagrams_sent;
    g.bytes_sent = c.bytes_sent;
    return g;
  }
  std::string dump(TimePoint now) const override {
    std::ostringstream o;
    o << "gossip: boot id rolls " << engine_.counters().boot_id_rolls << ", cycles "
      << engine_.counters().cycles << ", router " << (engine_.is_router() ? "yes" : "no")
      << ", members " << engine_.members(now).size() << ", stored facts " << engine_.store().size()
      << "\n  own endpoints:";
    for (const auto& e : engine_.endpoints_of(engine_.self(), now)) o << ' ' << e.to_string();
    for (const auto& d : peers_seen_)
      o << "\n  peer " << d.to_base64() << ": healthy " << engine_.healthy(d) << ", alive "
        << engine_.alive(d, now).has_value() << ", trust "
        << trust::to_string(engine_.trust_of(d, now).level);
    for (const auto& m : engine_.members(now)) {
      o << "\n  member " << m.to_base64() << ": endpoints";
      for (const auto& e : engine_.endpoints_of(m, now)) o << ' ' << e.to_string();
      o << "; allowed IPs";
      for (const auto& c : engine_.allowed_ips_of(m, now)) o << ' ' << c.to_string();
    }
    return o.str();
  }

 private:
  const CoordinatorPeer* assigned(const PublicKey& k, TimePoint now) const {
    if (assigned_until_ <= now) return nullptr;
    for (const auto& p : assigned_)
      if (p.key == k) return &p;
    return nullptr;
  }

  std::shared_ptr<std::map<std::string, std::uint64_t>> token_counts_;
  std::shared_ptr<std::map<PublicKey, std::string>> tokens_;  // latest verified, by subject
  facts::GossipEngine engine_;
  std::vector<PublicKey> peers_seen_;
  std::vector<std::uint8_t> own_token_;
  std::vector<CoordinatorPeer> assigned_;
  TimePoint assigned_until_{};
  bool token_gated_ = false;
  // The latest admission end seen per peer: the trust evaluator forgets an admission when it
  // ends, the grace after it is ours to keep. Entries go once the grace has passed.
  mutable std::map<PublicKey, TimePoint> admitted_seen_;

  std::vector<PublicKey> gate(const std::vector<PublicKey>& members, TimePoint now) const {
    for (const auto& k : members)
      if (auto until = engine_.trust().admitted_until(k))
        if (auto& seen = admitted_seen_[k]; *until > seen) seen = *until;
    std::erase_if(admitted_seen_,
                  [&](const auto& e) { return e.second + timing::kTokenGrace <= now; });
    return decide::token_gated(members, admitted_seen_, now, timing::kTokenGrace);
  }
};

}  // namespace

std::unique_ptr<GossipView> make_facts_gossip(const PrivateKey& own, const Config& cfg,
                                              TimePoint now, const Clock* clock) {
  return std::make_unique<FactsGossip>(own, cfg, now, clock);
}

}  // namespace wl::agent
