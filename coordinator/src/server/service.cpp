#include "service.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>

#include "wirelink/base/encoding.hpp"
#include "wirelink/coordinator/invite.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/register_proof.hpp"
#include "wirelink/coordinator/rfc3339.hpp"
#include "wirelink/coordinator/session_token.hpp"

namespace wl::coordinator::server {
namespace {

long long secs(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string new_cohort_id() {
  std::array<std::uint8_t, 8> b{};
  randombytes_buf(b.data(), b.size());
  return "c-" + wl::hex_encode(b);
}

std::string_view bearer(std::string_view auth) {
  constexpr std::string_view p = "Bearer ";
  if (auth.size() <= p.size() || auth.substr(0, p.size()) != p) return {};
  return auth.substr(p.size());
}

// The message an error reply carries: the detail alone, as the protocol has always sent it
// (the stable code travels beside it in the body, so the reason would only repeat it).
std::string reply_text(const Error& e) {
  return e.detail.empty() ? e.code.message() : e.detail;
}
}  // namespace

Service::Service(boost::asio::any_io_executor ex, Options opt, Store store, const Clock& clock)
    : ex_(std::move(ex)),
      opt_(opt),
      store_(std::move(store)),
      clock_(clock),
      admission_(Admission::Options{opt.floor, opt.rotation, new_cohort_id}),
      ip_limit_(opt.rate_ip, opt.rate_ip_burst),
      peer_limit_(opt.rate_peer, opt.rate_peer_burst),
      fail_limit_(opt.rate_fail, opt.rate_fail_burst) {}

Service::~Service() = default;

Result<void> Service::reload_keys() {
  auto keys = store_.keys();
  if (!keys) return keys.error();
  if (keys->empty()) {
    auto k = paseto::V4SecretKey::generate();
    StoredKey sk{paserk::pid(k.public_key()), paserk::to_secret(k), true, secs(clock_.wall())};
    if (auto r = store_.add_key(sk); !r) return r.error();
    spdlog::info("coordinator: created signing key {} (public {})", sk.pid,
                 paserk::to_public(k.public_key()));
    keys = store_.keys();
    if (!keys) return keys.error();
  }
  KeyRing ring;
  std::optional<SigningKey> signer;
  for (const auto& k : *keys) {
    auto sk = paserk::parse_secret(k.secret);
    if (!sk)
      return Error{coord_errc::internal, "key ring entry " + k.pid + ": " + sk.error().detail};
    ring.add(sk->public_key());
    if (k.active) signer = SigningKey::from(std::move(*sk));
  }
  if (!signer) return Error{coord_errc::internal, "key ring has no active key"};
  auto exchange = exchange_public_key(signer->secret.public_key());
  if (!exchange) return Error{coord_errc::internal, "active key: " + exchange.error().detail};
  if (!signer_ || signer_->pid != signer->pid)
    spdlog::info("coordinator: signing with {}", signer->pid);
  exchange_secret_ = exchange_secret_key(signer->secret);
  exchange_public_ = *exchange;
  signer_ = std::move(signer);
  ring_ = std::move(ring);
  return {};
}

Result<void> Service::load() {
  if (auto r = reload_keys(); !r) return r;
  auto peers = store_.peers();
  if (!peers) return peers.error();
  const auto now_wall = clock_.wall();
  for (const auto& p : *peers) {
    if (p.generation != 0) generation_[p.info.key] = p.generation;
    if (p.state != "registered") continue;
    admission_.upsert_peer(p.info);
    seen_[p.info.key] = now_wall;  // a fresh grace period after a restart
  }
  auto cohorts = store_.cohorts();
  if (!cohorts) return cohorts.error();
  for (const auto& c : *cohorts) admission_.restore(c.cohort, c.members);
  spdlog::info("coordinator: loaded {} peers, {} live cohorts", admission_.peer_count(),
               admission_.live_cohort_count());
  ready_ = true;
  return {};
}

Reply Service::error(coord_errc c, std::string_view msg, const char* endpoint) {
  const int status = http_status(c);
  metrics_.request(endpoint, status);
  metrics_.error(wire_code(c));
  return Reply{status, wire::error_json(c, msg)};
}

Reply Service::not_yet(const PublicKey& who) {
  constexpr auto c = coord_errc::insufficient_cohort;
  wire::ErrorBody body;
  body.code = std::string(wire_code(c));
  body.message = "anonymity-set floor not met yet; retry";
  Reply r = error(c, body.message, "match");
  // Additive fields: how far the pool is from the floor, so the client can say so.
  if (auto w = admission_.waiting(who)) {
    body.waiting = static_cast<int>(w->count);
    body.floor = static_cast<int>(admission_.floor());
    body.exit = w->exit.to_base64();
    r.body = wire::to_json(body);
  }
  return r;
}

Reply Service::error(const Error& e, const char* endpoint) {
  return error(static_cast<coord_errc>(e.code.value()), reply_text(e), endpoint);
}

template <class Req, class Handler>
void Service::authed(const char* endpoint, Result<Req> req, std::string_view authorization,
                     Done done, Handler handler) {
  if (!req) return done(error(coord_errc::bad_request, reply_text(req.error()), endpoint));
  auto a = authenticate(authorization, req->peer_id);
  if (!a) return done(error(a.error(), endpoint));
  if (limited_peer(req->peer_id, endpoint, done)) return;
  std::invoke(handler, this, *req, *a, std::move(done));
}

Reply Service::ok(std::string body, const char* endpoint) {
  metrics_.request(endpoint, 200);
  return Reply{200, std::move(body)};
}

bool Service::limited_ip(const std::string& ip, const char* endpoint, Done& done) {
  if (ip_limit_.allow(ip, clock_.now())) return false;
  metrics_.rate_limited("ip");
  done(error(coord_errc::rate_limited, "too many requests from this address", endpoint));
  return true;
}

bool Service::limited_peer(const PublicKey& k, const char* endpoint, Done& done) {
  if (peer_limit_.allow(k.to_base64(), clock_.now())) return false;
  metrics_.rate_limited("peer");
  done(error(coord_errc::rate_limited, "too many requests for this peer", endpoint));
  return true;
}

Reply Service::failed(const std::string& ip, Reply r) {
  const bool auth_failure =
      r.status == 400 || r.status == 401 || r.status == 403 || r.status == 404;
  if (!auth_failure || fail_limit_.allow(ip, clock_.now())) return r;
  metrics_.rate_limited("failures");
  metrics_.error(wire_code(coord_errc::rate_limited));
  return Reply{
      http_status(coord_errc::rate_limited),
      wire::error_json(coord_errc::rate_limited, "too many failed requests from this address")};
}

Done Service::charge_failures(const std::string& ip, Done done) {
  return [this, ip, done = std::move(done), alive = std::weak_ptr<void>(alive_)](Reply r) {
    if (alive.expired()) return done(std::move(r));
    done(failed(ip, std::move(r)));
  };
}

Result<Service::Auth> Service::authenticate(std::string_view authorization,
                                            const PublicKey& expected) {
  const auto tok = bearer(authorization);
  if (tok.empty())
    return Error{coord_errc::token_invalid, "missing Authorization: Bearer <session token>"};
  const auto now = clock_.wall();
  std::string key(tok);
  if (auto it = token_cache_.find(key); it != token_cache_.end() && it->second.peer == expected) {
    if (it->second.exp <= now) return Error{coord_errc::token_expired, "token expired"};
  } else {
    auto c = verify_session_token(tok, ring_, expected, now);
    if (!c) return c.error();
    if (token_cache_.size() > 200'000) token_cache_.clear();
    token_cache_[key] = Auth{c->sub, c->exp, c->gen};
  }
  if (!admission_.peer(expected))
    return Error{coord_errc::token_invalid, "peer is not registered (disconnected?)"};
  if (token_cache_[key].gen != generation(expected))
    return Error{coord_errc::token_invalid, "token was issued before the peer disconnected"};
  return token_cache_[key];
}

std::string Service::mint(const PublicKey& who, WallTime now, WallTime& exp) {
  SessionClaims c;
  c.sub = who;
  c.iat = c.nbf = now;
  c.exp = exp = std::chrono::time_point_cast<std::chrono::seconds>(now + opt_.token_ttl);
  c.gen = generation(who);
  if (const auto* a = admission_.assignment(who)) {
    c.cohort = a->cohort;
    for (const auto& p : a->path) c.path.push_back(p.to_base64());
    c.exit_set.push_back(a->path.back().to_base64());
  }
  auto tok = mint_session_token(*signer_, c);
  metrics_.tokens_minted(1);
  if (token_cache_.size() > 200'000) token_cache_.clear();
  token_cache_[tok] = Auth{who, c.exp, c.gen};
  return tok;
}

wire::MatchResponse Service::response_for(const PublicKey& who, WallTime now) {
  const auto* a = admission_.assignment(who);
  wire::MatchResponse r;
  r.type = a->path.size() > 1 ? "multi_hop" : "single_hop";
  r.cohort = a->cohort;
  for (const auto& k : a->path) {
    const auto* p = admission_.peer(k);
    r.path.push_back(wire::Hop{k.to_base64(), p ? p->addr_hint : std::string()});
  }
  r.session_token = mint(who, now, r.expires_at);
  r.rotate_at = a->rotate_at;
  return r;
}

void Service::emit(const PublicKey& to, const wire::Event& e) {
  auto it = subscribers_.find(to);
  if (it == subscribers_.end()) return;
  const auto json = wire::to_json(e);
  // Copy: a sink may unsubscribe while we iterate.
  auto sinks = it->second;
  for (auto& [id, sink] : sinks) {
    sink(json);
    metrics_.event_sent();
  }
}

void Service::complete_waiters(const PublicKey& who, const Reply& r) {
  auto it = waiters_.find(who);
  if (it == waiters_.end()) return;
  auto ws = std::move(it->second);
  waiters_.erase(it);
  for (auto& w : ws) {
    std::static_pointer_cast<boost::asio::steady_timer>(w.timer)->cancel();
    w.done(r);
  }
}

void Service::end_cohort(const std::string& id, const std::string& reason) {
  const auto members = admission_.rotate(id);
  if (auto r = store_.drop_cohort(id); !r) spdlog::error("coordinator: {}", r.error().message());
  metrics_.cohort_rotated();
  spdlog::info("coordinator: cohort {} ended ({}), {} members re-pooled", id, reason,
               members.size());
  wire::Event e;
  e.type = "CohortRotated";
  e.cohort = id;
  e.reason = reason;
  e.at = clock_.wall();
  for (const auto& m : members) emit(m, e);
}

void Service::handle(std::string_view method, std::string_view path, const std::string& ip,
                     std::string_view authorization, std::string_view body, Done done) {
  const bool read_only = method == "GET" || method == "HEAD";
  if (path == "/healthz" || path == "/readyz" || path == "/metrics") {
    if (!read_only) {
      // The transport adds "Allow: GET, HEAD" (the only 405 there is).
      return done(error(coord_errc::method_not_allowed,
                        "method " + std::string(method) + " not allowed on " + std::string(path) +
                            " (GET or HEAD)",
                        "other"));
    }
  }
  if (path == "/healthz") {
    metrics_.request("healthz", 200);
    return done(Reply{200, "ok\n", "text/plain"});
  }
  if (path == "/readyz") {
    const bool r = ready_ && store_.healthy() && signer_.has_value();
    metrics_.request("readyz", r ? 200 : 503);
    return done(Reply{r ? 200 : 503, r ? "ready\n" : "not ready\n", "text/plain"});
  }
  if (path == "/metrics") {
    metrics_.request("metrics", 200);
    Gauges g;
    g.peers = admission_.peer_count();
    g.pending = admission_.pending_count();
    g.cohorts_live = admission_.live_cohort_count();
    g.exits = admission_.exit_count();
    g.subscribers = subscriber_peer_.size();
    g.keys = ring_.keys().size();
    g.ready = ready_;
    return done(Reply{200, metrics_.render(g), "text/plain; version=0.0.4"});
  }
  const bool post = method == "POST";
  // Like the health endpoints, challenges cost no state and no I/O (a hash), so they are not
  // charged to the address's rate limit: a registration costs one token there, as before.
  if (method == "GET" && path == "/api/v1/challenge") {
    if (!ready_) return done(error(coord_errc::internal, "not ready", "challenge"));
    return done(ok(wire::to_json(challenges_.issue(exchange_public_, signer_->pid, clock_.wall())),
                   "challenge"));
  }
  if (post && path == "/api/v1/register") {
    if (limited_ip(ip, "register", done)) return;
    return on_register(ip, authorization, body, charge_failures(ip, std::move(done)));
  }
  if (post && path == "/api/v1/match") {
    if (limited_ip(ip, "match", done)) return;
    return authed("match", wire::parse_match(body), authorization,
                  charge_failures(ip, std::move(done)), &Service::on_match);
  }
  if (post && path == "/api/v1/heartbeat") {
    if (limited_ip(ip, "heartbeat", done)) return;
    return authed("heartbeat", wire::parse_heartbeat(body), authorization,
                  charge_failures(ip, std::move(done)), &Service::on_heartbeat);
  }
  if (post && path == "/api/v1/disconnect") {
    if (limited_ip(ip, "disconnect", done)) return;
    return authed("disconnect", wire::parse_disconnect(body), authorization,
                  charge_failures(ip, std::move(done)), &Service::on_disconnect);
  }
  done(error(coord_errc::not_found,
             "no such endpoint: " + std::string(method) + " " + std::string(path), "other"));
}

// The Authorization header is not needed here: the proof says who is registering.
void Service::on_register(const std::string&, std::string_view, std::string_view body, Done done) {
  constexpr const char* ep = "register";
  if (!ready_) return done(error(coord_errc::internal, "not ready", ep));
  auto req = wire::parse_register(body);
  if (!req) return done(error(coord_errc::bad_request, reply_text(req.error()), ep));
  const auto now = clock_.wall();
  // Whoever registers a key must hold its private key: a fresh proof, every time.
  if (auto p = check_proof(*req, now); !p) return done(error(p.error(), ep));
  // A registered peer (its proof just showed it is the same key) may re-register (new
  // addr_hint, new token) without an invite; anyone else needs one.
  const bool known = admission_.peer(req->peer_id) != nullptr;
  // A known peer's proof is its authentication: its budget is charged from here on.
  if (known && limited_peer(req->peer_id, ep, done)) return;
  if (!known) {
    if (req->invite.empty())
      return done(error(coord_errc::invite_invalid, "an invite is required", ep));
    auto inv = decode_invite(req->invite);
    if (!inv) return done(error(coord_errc::invite_invalid, reply_text(inv.error()), ep));
    if (auto v = verify_invite_signature(*inv, ring_); !v)
      return done(error(coord_errc::invite_invalid, reply_text(v.error()), ep));
    if (auto t = check_invite_time(*inv, now); !t)
      return done(error(coord_errc::invite_expired, reply_text(t.error()), ep));
    // An unknown peer's budget is charged only once its proof and a valid invite vouch for
    // the request (and before it spends one of the invite's uses).
    if (limited_peer(req->peer_id, ep, done)) return;
    auto red = store_.redeem(inv->code, req->peer_id.to_base64(), secs(now));
    if (!red) return done(error(red.error(), ep));
    metrics_.invite_redeemed();
  }
  PeerInfo info{req->peer_id, req->addr_hint, req->can_exit,
                req->can_exit ? req->capacity_hint : 0};
  wire::RegisterAck ack;
  if (info.can_exit && static_cast<std::size_t>(info.capacity) < opt_.floor) {
    // Pending clients count against an exit's capacity, so a pool can never grow to the floor:
    // the exit registers (it stays a mesh member) but is told, and the log says so.
    ack.warning = fmt::format(
        "exit capacity {} is below the anonymity floor {}: this exit can never form a cohort",
        info.capacity, opt_.floor);
    spdlog::warn("coordinator: {}: {}", req->peer_id.to_base64(), ack.warning);
  }
  if (auto r = store_.put_peer(info, "registered", secs(now)); !r)
    return done(error(coord_errc::internal, reply_text(r.error()), ep));
  admission_.upsert_peer(info);
  seen_[req->peer_id] = now;
  if (!known)
    spdlog::info("coordinator: registered {}{}", req->peer_id.to_base64(),
                 info.can_exit ? " (exit)" : "");
  ack.match_wait_ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(opt_.match_wait).count());
  ack.session_token = mint(req->peer_id, now, ack.expires_at);
  done(ok(wire::to_json(ack), ep));
}

Result<void> Service::check_proof(const wire::RegisterRequest& req, WallTime now) {
  auto c = challenges_.check(req.challenge, exchange_public_, now);
  if (!c) return c.error();
  if (auto p = check_register_proof(req, *exchange_secret_, exchange_public_); !p) return p;
  return challenges_.use(*c);
}

std::uint64_t Service::generation(const PublicKey& k) const {
  auto it = generation_.find(k);
  return it == generation_.end() ? 0 : it->second;
}

void Service::on_match(const wire::MatchRequest& req, const Auth&, Done done) {
  constexpr const char* ep = "match";
  const auto now = clock_.wall();
  seen_[req.peer_id] = dirty_seen_[req.peer_id] = now;
  if (req.hops == 2 &&
      admission_.exit_count() < 2 + (admission_.peer(req.peer_id)->can_exit ? 1 : 0) &&
      !admission_.assignment(req.peer_id))
    return done(error(coord_errc::no_exit_available, "multi-hop needs two exits", ep));
  auto out = admission_.match(req.peer_id, req.hops, now);
  if (out.status == MatchStatus::no_exit)
    return done(error(coord_errc::no_exit_available, "no exit with available capacity", ep));
  if (out.formed) {
    // Pending -> live: mint every member's token in one batch and tell them all.
    const auto* c = admission_.cohort(*out.formed);
    std::map<PublicKey, Assignment> members;
    for (const auto& m : c->members) members[m] = *admission_.assignment(m);
    if (auto r = store_.put_cohort(*c, members); !r)
      spdlog::error("coordinator: {}", r.error().message());
    metrics_.cohort_formed();
    spdlog::info("coordinator: cohort {} live with {} members via exit {}", c->id,
                 c->members.size(), c->exit.to_base64());
    const auto ids = c->members;
    for (const auto& m : ids) {
      auto resp = response_for(m, now);
      wire::Event e;
      e.type = "CohortAssigned";
      e.cohort = resp.cohort;
      e.assignment = resp;
      e.at = now;
      emit(m, e);
      if (m != req.peer_id)
        complete_waiters(m, ok(wire::to_json(resp), ep));
      else
        done(ok(wire::to_json(resp), ep));
    }
    return;
  }
  if (out.status == MatchStatus::assigned)
    return done(ok(wire::to_json(response_for(req.peer_id, now)), ep));
  // Pending: wait for the pool to fill, up to match_wait.
  if (opt_.match_wait <= Duration::zero()) return done(not_yet(req.peer_id));
  auto timer = std::make_shared<boost::asio::steady_timer>(ex_, opt_.match_wait);
  const auto id = next_id_++;
  const PublicKey who = req.peer_id;
  waiters_[who].push_back(Waiter{id, std::move(done), timer});
  timer->async_wait([this, who, id](const boost::system::error_code& ec) {
    if (ec) return;
    auto it = waiters_.find(who);
    if (it == waiters_.end()) return;
    auto& ws = it->second;
    for (auto w = ws.begin(); w != ws.end(); ++w) {
      if (w->id != id) continue;
      Done d = std::move(w->done);
      ws.erase(w);
      if (ws.empty()) waiters_.erase(it);
      d(not_yet(who));
      return;
    }
  });
}

void Service::on_heartbeat(const wire::HeartbeatRequest& req, const Auth& auth, const Done& done) {
  constexpr const char* ep = "heartbeat";
  const auto now = clock_.wall();
  seen_[req.peer_id] = dirty_seen_[req.peer_id] = now;
  wire::HeartbeatAck ack;
  // Refresh in the last third of the lifetime so a client never has to hold an expired token.
  if (req.refresh || auth.exp - now < opt_.token_ttl / 3) {
    WallTime exp;
    ack.session_token = mint(req.peer_id, now, exp);
    ack.expires_at = exp;
  }
  if (const auto* p = admission_.peer(req.peer_id); p && p->can_exit) {
    const auto served = admission_.served_by(req.peer_id);
    ack.exit_cohorts = static_cast<int>(served.cohorts);
    ack.exit_clients = static_cast<int>(served.clients);
  }
  done(ok(wire::to_json(ack), ep));
}

void Service::on_disconnect(const wire::DisconnectRequest& req, const Auth&, const Done& done) {
  constexpr const char* ep = "disconnect";
  const PublicKey who = req.peer_id;
  const auto affected = admission_.remove(who);
  // Durably first: tokens minted before this point must never verify here again.
  if (auto r = store_.disconnect_peer(who); !r)
    return done(error(coord_errc::internal, reply_text(r.error()), ep));
  ++generation_[who];
  for (auto it = token_cache_.begin(); it != token_cache_.end();) {
    if (it->second.peer == who)
      it = token_cache_.erase(it);
    else
      ++it;
  }
  spdlog::info("coordinator: {} disconnected ({})", who.to_base64(), req.reason);
  wire::Event e;
  e.type = "Disconnect";
  e.peer_id = who.to_base64();
  e.reason = req.reason.empty() ? "disconnect" : req.reason;
  e.at = clock_.wall();
  emit(who, e);
  // Everyone who shared a cohort with it (as member, relay or exit) hears it left.
  for (const auto& id : affected)
    if (const auto* c = admission_.cohort(id))
      for (const auto& m : c->members) emit(m, e);
  for (const auto& id : affected) {
    const auto* c = admission_.cohort(id);
    if (!c) continue;
    const bool broken = c->exit == who || c->members.empty();
    if (broken)
      end_cohort(id, c->exit == who ? "exit_left" : "empty");
    else {
      std::map<PublicKey, Assignment> members;
      for (const auto& m : c->members) members[m] = *admission_.assignment(m);
      (void)store_.drop_cohort(id);
      (void)store_.put_cohort(*c, members);
    }
  }
  complete_waiters(who, error(coord_errc::token_invalid, "peer disconnected", "match"));
  done(ok("{\"ok\":true}", ep));
}

std::variant<std::uint64_t, Reply> Service::subscribe(const std::string& ip,
                                                      std::string_view authorization,
                                                      EventSink sink) {
  constexpr const char* ep = "events";
  if (!ip_limit_.allow(ip, clock_.now())) {
    metrics_.rate_limited("ip");
    return error(coord_errc::rate_limited, "too many requests from this address", ep);
  }
  auto sub = untrusted_subject(bearer(authorization));
  if (!sub)
    return failed(ip, error(coord_errc::token_invalid, "missing or malformed bearer token", ep));
  auto a = authenticate(authorization, *sub);
  if (!a) return failed(ip, error(a.error(), ep));
  if (auto s = subscribers_.find(*sub);
      s != subscribers_.end() && s->second.size() >= opt_.max_streams)
    return error(coord_errc::too_many_streams,
                 "this peer already has " + std::to_string(s->second.size()) +
                     " open event streams (the limit); close one first",
                 ep);
  metrics_.request(ep, 200);
  const auto id = next_id_++;
  subscribers_[*sub][id] = std::move(sink);
  subscriber_peer_[id] = *sub;
  return id;
}

void Service::unsubscribe(std::uint64_t id) {
  auto it = subscriber_peer_.find(id);
  if (it == subscriber_peer_.end()) return;
  auto s = subscribers_.find(it->second);
  if (s != subscribers_.end()) {
    s->second.erase(id);
    if (s->second.empty()) subscribers_.erase(s);
  }
  subscriber_peer_.erase(it);
}

void Service::tick() {
  const auto now = clock_.wall();
  challenges_.prune(now);
  for (const auto& id : admission_.due(now)) end_cohort(id, "rotation");
  // Peers that went quiet leave pools and cohorts but stay registered.
  std::vector<PublicKey> quiet;
  for (const auto& [k, t] : seen_)
    if (now - t > opt_.peer_timeout && (admission_.is_pending(k) || admission_.assignment(k)))
      quiet.push_back(k);
  for (const auto& k : quiet) {
    for (const auto& id : admission_.remove(k, true)) {
      const auto* c = admission_.cohort(id);
      if (c && (c->exit == k || c->members.empty())) end_cohort(id, "exit_quiet");
    }
  }
}

void Service::flush(std::size_t max_rows) {
  if (dirty_seen_.empty()) return;
  std::vector<std::pair<PublicKey, long long>> v;
  auto it = dirty_seen_.begin();
  while (it != dirty_seen_.end() && (max_rows == 0 || v.size() < max_rows)) {
    v.emplace_back(it->first, secs(it->second));
    it = dirty_seen_.erase(it);
  }
  if (auto r = store_.touch(v); !r) spdlog::warn("coordinator: {}", r.error().message());
}

}  // namespace wl::coordinator::server
