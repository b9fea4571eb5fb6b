// GossipEngine: receive path (verify, trust, merge), the cycle (expire, collect, send) and
// the queries the agent's peer state machine uses.
#include "wirelink/facts/engine.hpp"

#include <sodium.h>

#include <algorithm>

namespace wl::facts {

struct GossipEngine::Peer {
  bool key_done = false;
  std::optional<PairwiseKey> key;  // nullopt after key_done = low-order public key
  bool ll_done = false;
  IpAddress ll;
  SendFilter filter;
  std::optional<AliveInfo> alive;
  FeatureSet features;  // as the peer advertised about itself
  bool healthy = false;
  WallTime last_handshake_seen{};
  std::optional<TimePoint> last_heard;  // the last datagram accepted from this peer
};

struct GossipEngine::Candidate {
  const StoredFact* sf;
  const Peer* subject_peer;  // nullptr when the subject has no peer entry
  std::optional<Feature> feature;
  bool relayable;  // about us, or about a peer that is up or configured
};

std::uint64_t Counters::facts_rejected(trust::Verdict v) const {
  const auto n = facts_refused[static_cast<std::size_t>(v)];
  return v == trust::Verdict::untrusted ? n - facts_ignored : n;
}

std::uint64_t Counters::rejected_total() const {
  std::uint64_t t = 0;
  for (auto v : rejected) t += v;
  return t;
}

FeatureSet EngineOptions::default_features() {
  FeatureSet f;
  f.add(Feature::trust_grant);
  f.add(Feature::liveness);
  return f;
}

namespace {

trust::FactKind kind_of(Attribute a) {
  switch (a) {
    case Attribute::alive:
      return trust::FactKind::alive;
    case Attribute::endpoint_v4:
    case Attribute::endpoint_v6:
      return trust::FactKind::endpoint;
    case Attribute::allowed_ip_v4:
    case Attribute::allowed_ip_v6:
      return trust::FactKind::allowed_ip;
    case Attribute::coordinator_token:
      return trust::FactKind::token;
    case Attribute::trust_grant:
      return trust::FactKind::grant;
    default:
      return trust::FactKind::membership;
  }
}

bool critical(Attribute a) {
  return a == Attribute::allowed_ip_v4 || a == Attribute::allowed_ip_v6 || a == Attribute::member ||
         a == Attribute::member_metadata;
}

std::uint32_t ttl_seconds(TimePoint expires, TimePoint now, std::uint32_t cap) {
  if (expires <= now) return 0;
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(expires - now).count();
  return static_cast<std::uint32_t>(std::min<std::int64_t>(s, cap));
}

}  // namespace

GossipEngine::GossipEngine(PrivateKey own_private, EngineOptions options, TimePoint now)
    : own_(std::move(own_private)), self_(public_key_of(own_)), options_(std::move(options)) {
  if (!options_.random)
    options_.random = [](std::span<std::uint8_t> b) { randombytes_buf(b.data(), b.size()); };
  roll_boot_id();
  counters_.boot_id_rolls = 0;  // the start is not a roll
  next_cycle_ = now;
}

GossipEngine::~GossipEngine() = default;

void GossipEngine::roll_boot_id() {
  options_.random(boot_);
  ++counters_.boot_id_rolls;
  // Announce the new boot id at the next cycle rather than with the next 30 s ping: it is
  // how we ask every peer to send us everything again.
  for (auto& [k, p] : peers_) p->filter.alive_known_until.reset();
}

void GossipEngine::schedule_flush(TimePoint now) {
  if (flush_at_) return;  // batched with what is already waiting
  TimePoint at = now + timing::kFlushDelay;
  if (last_cycle_) at = std::max(at, *last_cycle_ + timing::kFlushGap);
  flush_at_ = at;
}

void GossipEngine::note_change(TimePoint now) {
  ++generation_;
  schedule_flush(now);
}

GossipEngine::Peer& GossipEngine::peer(const PublicKey& key) {
  auto& p = peers_[key];
  if (!p) p = std::make_unique<Peer>();
  return *p;
}

const PairwiseKey* GossipEngine::key_for(const PublicKey& key) {
  Peer& p = peer(key);
  if (!p.key_done) {
    p.key = pairwise_key(own_, key);
    p.key_done = true;
  }
  return p.key ? &*p.key : nullptr;
}

void GossipEngine::set_local_view(LocalView view, TimePoint now) {
  view_ = std::move(view);
  std::vector<trust::ConfiguredTrust> cfg;
  for (const auto& c : view_.config_peers) cfg.push_back({c.key, c.trust});
  trust_.set_configured(cfg);
  std::vector<trust::DevicePeerTrust> dev;
  for (const auto& d : view_.device_peers) dev.push_back({d.key, d.allowed_ips});
  trust_.set_device_peers(dev);
  // Router: decided by the agent, or auto-detected as "none of my peers is one" (§7.2).
  self_router_ = view_.router.value_or(!trust_.any_device_router());

  for (auto& [k, p] : peers_) p->healthy = false;
  for (const auto& d : view_.device_peers) {
    Peer& p = peer(d.key);
    // The agent decides health once per cycle; only a view without its decision is judged here.
    p.healthy = d.healthy ? *d.healthy : peer_healthy(d, p.last_handshake_seen, view_.wall_now);
    p.last_handshake_seen = d.last_handshake;
    // A peer we have never sent to (new on the device, or everyone after a boot id roll) hears
    // from us at the next flush, not the next cycle.
    if (d.endpoint && d.key != self_ && !p.filter.alive_known_until) schedule_flush(now);
  }
  // A new local fact (an endpoint appeared, a new member to announce) goes out at once too; it
  // enters the store at that cycle.
  for (const auto& f : local_facts(now))
    if (!store_.find(key_of(f))) {
      schedule_flush(now);
      break;
    }
}

bool GossipEngine::endpoint_in_tunnel(const Endpoint& ep) const {
  const auto& a = ep.address();
  for (const auto& s : view_.wg_subnets)
    if (s.contains(a)) return true;
  for (const auto& d : view_.device_peers)
    for (const auto& c : d.allowed_ips)
      // A default route through the tunnel would otherwise refuse every endpoint.
      if (c.prefix() > 0 && c.contains(a)) return true;
  return false;
}

bool GossipEngine::subject_known(const PublicKey& subject, TimePoint now) const {
  return subject == self_ || trust_.in_device(subject) || is_member(subject, now);
}

void GossipEngine::on_datagram(const IpAddress& source, std::span<const std::uint8_t> bytes,
                               TimePoint now) {
  ++counters_.datagrams_received;
  counters_.bytes_received += bytes.size();
  auto reject = [&](RejectReason r) { ++counters_.rejected[static_cast<std::size_t>(r)]; };

  DecodeOutcome d = decode_datagram(bytes);
  if (!d.ok()) return reject(d.reason);
  const PublicKey& signer = d.group.signer;
  if (signer == self_) return reject(RejectReason::self_signed);
  // Only WireGuard's cryptokey routing makes the source address meaningful; the signer must
  // be the peer whose tunnel the datagram came through.
  // Checked before any per-peer state exists, so garbage cannot grow the peer table.
  if (auto it = peers_.find(signer); it != peers_.end() && it->second->ll_done) {
    if (source != it->second->ll) return reject(RejectReason::bad_source_address);
  } else {
    const IpAddress ll = link_local_for(signer);
    if (source != ll) return reject(RejectReason::bad_source_address);
    Peer& p = peer(signer);
    p.ll = ll;
    p.ll_done = true;
  }
  const PairwiseKey* key = key_for(signer);
  if (!key) return reject(RejectReason::zero_shared_secret);
  if (!mac_verify(*key, d.group.nonce, d.group.tag, d.group.inner))
    return reject(RejectReason::bad_mac);

  ++counters_.datagrams_accepted;
  ++queued_since_cycle_;
  Peer& sender = peer(signer);
  sender.last_heard = now;
  const trust::Level level = trust_.evaluate(signer, now).level;

  // Alive first: a new boot id clears what the sender knows, and must not wipe what this very
  // datagram tells us it knows.
  for (const auto& wf : d.group.facts) {
    if (wf.fact.attr != Attribute::alive) continue;
    ++counters_.facts_received;
    if (wf.fact.subject != signer) {
      ++counters_.facts_refused[static_cast<std::size_t>(trust::Verdict::untrusted)];
      continue;
    }
    const auto& boot = std::get<BootId>(wf.fact.value);
    sender.filter.observe_boot_id(boot);
    const TimePoint until = now + std::chrono::seconds(wf.ttl_seconds);
    const bool fresh = !sender.alive || sender.alive->boot != boot || sender.alive->until <= now;
    if (fresh) note_change(now);  // new, rebooted or back: the agent may apply its allowed IPs
    if (fresh || until > sender.alive->until) sender.alive = AliveInfo{boot, until};
    ++counters_.facts_accepted;
  }
  // Then tokens: an admission they grant makes the subject known for the facts about it that
  // follow in this very datagram.
  for (const auto& wf : d.group.facts) {
    if (wf.fact.attr != Attribute::coordinator_token) continue;
    ++counters_.facts_received;
    accept_fact(wf, signer, level, sender, now);
  }
  for (const auto& wf : d.group.facts) {
    if (wf.fact.attr == Attribute::alive || wf.fact.attr == Attribute::coordinator_token) continue;
    ++counters_.facts_received;
    accept_fact(wf, signer, level, sender, now);
  }
}

void GossipEngine::accept_fact(const WireFact& wf, const PublicKey& signer, trust::Level level,
                               Peer& sender, TimePoint now) {
  const Fact& f = wf.fact;
  // A peer's own metadata tells us which extensions it understands, whatever its trust: it
  // only decides what we send to that peer.
  if (f.attr == Attribute::member_metadata && f.subject == signer)
    sender.features = std::get<MemberMetadata>(f.value).features();

  trust::AcceptQuery q;
  q.source_level = level;
  q.kind = kind_of(f.attr);
  q.subject_known = subject_known(f.subject, now);
  q.subject_is_source = f.subject == signer;
  if (const auto* ep = std::get_if<Endpoint>(&f.value))
    q.endpoint_in_tunnel = endpoint_in_tunnel(*ep);
  const auto verdict = trust::accept(q);
  if (verdict != trust::Verdict::accept) {
    ++counters_.facts_refused[static_cast<std::size_t>(verdict)];
    // A sender not trusted for this kind of fact says it by design (a leaf tells its router
    // about itself and its peers): not a sign of trouble.
    if (verdict == trust::Verdict::untrusted) ++counters_.facts_ignored;
    return;
  }
  const TimePoint expires = now + std::chrono::seconds(wf.ttl_seconds);
  if (f.attr == Attribute::trust_grant) {
    // Grants bind the granting delegate; they are never stored or relayed.
    const auto lvl = static_cast<trust::Level>(std::get<Grant>(f.value).level);
    if (!trust_.grant(signer, f.subject, lvl, expires, now)) {
      ++counters_.facts_refused[static_cast<std::size_t>(trust::Verdict::untrusted)];
      return;
    }
    ++counters_.facts_accepted;
    note_change(now);
    return;
  }
  if (f.attr == Attribute::coordinator_token && options_.token_verifier) {
    const auto& t = std::get<TokenBytes>(f.value);
    if (auto until = options_.token_verifier(f.subject, t.bytes, now)) {
      const bool newly = !trust_.is_admitted(f.subject, now) && !is_member(f.subject, now);
      trust_.admit(f.subject, *until);
      if (newly) note_change(now);
      // Facts about this subject that arrived before its token were refused (unknown subject)
      // and their senders consider them delivered: a new boot id makes every peer send us
      // everything again.
      if (newly) roll_boot_id();
    }
  }
  ++counters_.facts_accepted;
  if (wf.ttl_seconds == 0) return;  // already expired
  const auto u = store_.upsert(f, expires);
  // The sender has it: do not echo it back before its copy runs low.
  sender.filter.note_known(u.id, expires);
  if (u.added) note_change(now);
}

void GossipEngine::expire(TimePoint now) {
  bool roll = false;
  for (const auto& sf : store_.expire(now))
    if (critical(sf.fact.attr)) roll = true;
  // Losing membership or allowed IPs may mean we missed updates: a new boot id makes every
  // peer send us everything again.
  if (roll) roll_boot_id();
  trust_.expire(now);
}

std::vector<Fact> GossipEngine::local_facts(TimePoint now) const {
  CollectContext ctx;
  ctx.self = self_;
  ctx.self_router = self_router_;
  ctx.self_trust = trust_.configured(self_);
  ctx.features = options_.features;
  // We understand tokens when we can check them or carry one ourselves.
  if (!options_.own_token.empty() || options_.token_verifier)
    ctx.features.add(Feature::coordinator_token);
  ctx.peer_reachable = [this, now](const PublicKey& k) {
    return alive(k, now).has_value() || healthy(k);
  };
  ctx.peer_has_liveness = [this](const PublicKey& k) {
    auto it = peers_.find(k);
    return it != peers_.end() && it->second->features.has(Feature::liveness);
  };
  auto out = collect_local_facts(view_, ctx);
  if (!options_.own_token.empty()) out.push_back(make_token(self_, options_.own_token));
  return out;
}

void GossipEngine::refresh_local_facts(TimePoint now) {
  const TimePoint expires = now + timing::kFactTtl;
  for (const auto& f : local_facts(now)) store_.upsert(f, expires, true);
}

std::vector<OutgoingDatagram> GossipEngine::tick(TimePoint now) {
  std::vector<OutgoingDatagram> out;
  // A backwards clock step runs a cycle at once (it rolls the boot id).
  const bool stepped_back = last_cycle_ && now < *last_cycle_;
  const bool flush = flush_at_ && now >= *flush_at_;
  if (now >= next_cycle_ || queued_since_cycle_ >= timing::kCycleQueueTrigger || stepped_back ||
      flush)
    run_cycle(now, out);
  else
    send_liveness(now, out);
  return out;
}

// Liveness pings only between two leaves that both asked for them: a router's direct paths
// have no fallback, and a router pinging every leaf every 2 s would not scale.
// The peer asked for it directly (its own M), or a router we accept membership from told us
// so (an F fact): leaves under default trust never exchange their own M.
bool GossipEngine::liveness_possible() const {
  return options_.features.has(Feature::liveness) && !self_router_;
}

bool GossipEngine::fast_liveness(const PublicKey& key, const Peer& p, TimePoint now) const {
  if (!liveness_possible() || trust_.is_device_router(key)) return false;
  if (p.features.has(Feature::liveness)) return true;
  const auto* told = store_.find(key_of(make_peer_feature(key, Feature::liveness)));
  return told && told->expires > now;
}

std::optional<TimePoint> GossipEngine::next_liveness_ping(TimePoint now) const {
  std::optional<TimePoint> at;
  if (!liveness_possible()) return at;  // routers: no walk over every peer on every deadline
  for (const auto& d : view_.device_peers) {
    auto it = peers_.find(d.key);
    if (!d.endpoint || it == peers_.end() || !fast_liveness(d.key, *it->second, now)) continue;
    const auto& known = it->second->filter.alive_known_until;
    const TimePoint due = known ? *known - timing::kFactTtl + timing::kLivenessPeriod : TimePoint{};
    if (!at || due < *at) at = due;
  }
  return at;
}

// Between cycles: the liveness pings that are due, and nothing else (no candidates are
// prepared outside a cycle, so send_to() sends only the alive fact).
void GossipEngine::send_liveness(TimePoint now, std::vector<OutgoingDatagram>& out) {
  if (!liveness_possible()) return;
  for (const auto& d : view_.device_peers) {
    auto it = peers_.find(d.key);
    if (!d.endpoint || it == peers_.end() || !fast_liveness(d.key, *it->second, now)) continue;
    const auto& known = it->second->filter.alive_known_until;
    if (known && now < *known - timing::kFactTtl + timing::kLivenessPeriod) continue;
    send_to(*it->second, d.key, now, out);
  }
}

std::optional<Duration> GossipEngine::silence(const PublicKey& key, TimePoint now) const {
  auto it = peers_.find(key);
  if (it == peers_.end() || !fast_liveness(key, *it->second, now) || !it->second->last_heard)
    return std::nullopt;
  return now - *it->second->last_heard;
}

TimePoint GossipEngine::next_deadline() const {
  // Enough queued datagrams make the cycle due at once.
  if (queued_since_cycle_ >= timing::kCycleQueueTrigger)
    return std::min(next_cycle_, last_cycle_.value_or(next_cycle_));
  TimePoint at = flush_at_ ? std::min(next_cycle_, *flush_at_) : next_cycle_;
  if (auto l = next_liveness_ping(last_cycle_.value_or(next_cycle_))) at = std::min(at, *l);
  return at;
}

void GossipEngine::run_cycle(TimePoint now, std::vector<OutgoingDatagram>& out) {
  ++counters_.cycles;
  if (last_cycle_ && (now < *last_cycle_ || now - *last_cycle_ > timing::kSuspendGap))
    roll_boot_id();
  const bool prune = counters_.cycles % 12 == 0;  // about once a minute
  last_cycle_ = now;
  next_cycle_ = now + timing::kCycle;
  queued_since_cycle_ = 0;
  flush_at_.reset();

  expire(now);
  refresh_local_facts(now);
  if (prune) {
    for (auto& [k, p] : peers_) p->filter.prune(now);
    // Forget peers that left the device and went quiet, so churn cannot grow the table.
    std::erase_if(peers_, [&](const auto& kv) {
      return !trust_.in_device(kv.first) && (!kv.second->alive || kv.second->alive->until <= now);
    });
  }
  candidates_.clear();
  store_.for_each([&](const StoredFact& sf) {
    auto it = peers_.find(sf.fact.subject);
    const Peer* sp = it == peers_.end() ? nullptr : it->second.get();
    // Relay only facts about peers we can currently vouch are up (or configured ones).
    const bool up = sp && (sp->healthy || (sp->alive && sp->alive->until > now));
    const bool relayable =
        sf.fact.subject == self_ || up || trust_.configured(sf.fact.subject).has_value();
    candidates_.push_back(Candidate{&sf, sp, feature_for(sf.fact.attr), relayable});
  });
  for (const auto& d : view_.device_peers) {
    if (!d.endpoint || d.key == self_) continue;
    send_to(peer(d.key), d.key, now, out);
  }
  candidates_.clear();  // it points into the store
}

void GossipEngine::send_to(Peer& p, const PublicKey& key, TimePoint now,
                           std::vector<OutgoingDatagram>& out) {
  const auto cfg = trust_.configured(key);
  bool exchanger = false;
  for (const auto& c : view_.config_peers)
    if (c.key == key) exchanger = c.fact_exchanger;
  bool full =
      (cfg && *cfg >= trust::Level::allowedips) || trust_.is_device_router(key) || exchanger;
  if (!full && (view_.chatty || self_router_)) full = p.healthy;
  // A router's state is large: a peer whose agent it has not heard gets only the ping for a
  // while. What it sends before that agent listens is lost, and the answer (at the peer's next
  // flush) brings the peer everything, once. A leaf sends its few facts at once: they tell the
  // router where it is, and the router relays them together.
  if (full && self_router_ && !p.filter.heard_boot_id() &&
      (!p.filter.unheard_since || now - *p.filter.unheard_since < timing::kUnheardHold))
    full = false;

  std::vector<std::vector<std::uint8_t>> encoded;
  std::vector<std::pair<FactId, TimePoint>> sent;
  if (full) {
    for (const auto& c : candidates_) {
      const StoredFact& sf = *c.sf;
      const Fact& f = sf.fact;
      if (c.subject_peer == &p && f.subject == key && f.attr != Attribute::member_metadata)
        continue;
      if (c.feature && !p.features.has(*c.feature)) continue;
      if (!c.relayable && c.subject_peer != &p) continue;
      if (!p.filter.due(sf.id, sf.expires, now)) continue;
      const auto cap = sf.local ? timing::kMaxLocalTtlSeconds : timing::kMaxWireTtlSeconds;
      const auto ttl = ttl_seconds(sf.expires, now, cap);
      if (ttl == 0) continue;
      encoded.emplace_back();
      encode_fact(f, ttl, encoded.back());
      sent.emplace_back(sf.id, now + std::chrono::seconds(ttl));
    }
  }

  std::vector<std::uint8_t> ping;
  encode_fact(make_alive(self_, boot_), timing::kMaxLocalTtlSeconds, ping);
  // With path liveness the ping goes every kLivenessPeriod instead of every kAlivePeriod.
  const Duration due_within = fast_liveness(key, p, now)
                                  ? timing::kFactTtl - timing::kLivenessPeriod
                                  : timing::kPingDueWithin;
  const bool ping_due =
      !p.filter.alive_known_until || *p.filter.alive_known_until - now <= due_within;
  if (encoded.empty() && !ping_due) return;
  const PairwiseKey* pk = key_for(key);
  if (!pk) return;

  bool ping_sent = false;
  if (ping_due) {
    encoded.insert(encoded.begin(), ping);
    ping_sent = true;
  }
  auto groups = pack_inner(encoded);
  if (!ping_sent && !groups.empty() && groups.back().size() + ping.size() <= timing::kMaxInner) {
    groups.back().insert(groups.back().end(), ping.begin(), ping.end());
    ping_sent = true;
  }
  for (auto& inner : groups) {
    Nonce nonce{};
    options_.random(nonce);
    const Tag tag = mac_tag(*pk, nonce, inner);
    auto bytes = encode_datagram(self_, nonce, tag, inner);
    ++counters_.datagrams_sent;
    counters_.bytes_sent += bytes.size();
    out.push_back(OutgoingDatagram{key, std::move(bytes)});
  }
  counters_.facts_sent += sent.size() + (ping_sent ? 1 : 0);
  for (const auto& [id, until] : sent) p.filter.note_known(id, until);
  if (ping_sent) {
    p.filter.alive_known_until = now + timing::kFactTtl;
    if (!p.filter.heard_boot_id() && !p.filter.unheard_since) p.filter.unheard_since = now;
  }
}

bool GossipEngine::is_member(const PublicKey& subject, TimePoint now) const {
  if (trust_.is_admitted(subject, now)) return true;
  bool member = false;
  store_.for_each_about(subject, [&](const StoredFact& sf) {
    if ((sf.fact.attr == Attribute::member || sf.fact.attr == Attribute::member_metadata) &&
        sf.expires > now)
      member = true;
  });
  return member;
}

std::vector<PublicKey> GossipEngine::members(TimePoint now) const {
  std::vector<PublicKey> out;
  store_.for_each_subject([&](const PublicKey& s) {
    if (s != self_ && is_member(s, now)) out.push_back(s);
  });
  return out;
}

std::vector<Endpoint> GossipEngine::endpoints_of(const PublicKey& subject, TimePoint now) const {
  std::vector<Endpoint> out;
  store_.for_each_about(subject, [&](const StoredFact& sf) {
    if (const auto* ep = std::get_if<Endpoint>(&sf.fact.value); ep && sf.expires > now)
      out.push_back(*ep);
  });
  return out;
}

std::vector<Cidr> GossipEngine::allowed_ips_of(const PublicKey& subject, TimePoint now) const {
  std::vector<Cidr> out;
  store_.for_each_about(subject, [&](const StoredFact& sf) {
    if (const auto* c = std::get_if<Cidr>(&sf.fact.value); c && sf.expires > now) out.push_back(*c);
  });
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<MemberMetadata> GossipEngine::metadata_of(const PublicKey& subject,
                                                        TimePoint now) const {
  // Prefer the richest entry (configured name/basic over the routers' empty ones).
  std::optional<MemberMetadata> best;
  for (const auto* sf : store_.about(subject))
    if (const auto* m = std::get_if<MemberMetadata>(&sf->fact.value); m && sf->expires > now)
      if (!best || m->entries.size() > best->entries.size()) best = *m;
  return best;
}

FeatureSet GossipEngine::features_of(const PublicKey& peer_key) const {
  auto it = peers_.find(peer_key);
  return it == peers_.end() ? FeatureSet{} : it->second->features;
}

std::optional<AliveInfo> GossipEngine::alive(const PublicKey& peer_key, TimePoint now) const {
  auto it = peers_.find(peer_key);
  if (it == peers_.end() || !it->second->alive || it->second->alive->until <= now)
    return std::nullopt;
  return it->second->alive;
}

bool GossipEngine::healthy(const PublicKey& peer_key) const {
  auto it = peers_.find(peer_key);
  return it != peers_.end() && it->second->healthy;
}

trust::Decision GossipEngine::trust_of(const PublicKey& peer_key, TimePoint now) const {
  return trust_.evaluate(peer_key, now);
}

std::optional<trust::Level> GossipEngine::self_trust() const {
  return trust_.configured(self_);
}

}  // namespace wl::facts
