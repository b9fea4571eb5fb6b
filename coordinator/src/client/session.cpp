#include "wirelink/coordinator/session.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/session_timing.hpp"
#include "wirelink/coordinator/session_token.hpp"

#include "wirelink/base/enum_names.hpp"

namespace wl::coordinator {

const char* to_string(SessionState s) {
  // The names are string literals, so the view's data is NUL-terminated.
  static constexpr std::array<std::string_view, 6> kNames = {
      "starting", "registered", "unreachable", "refused", "expired", "stopped"};
  return enum_name<SessionState::stopped>(s, kNames, "?").data();
}

struct CoordinatorSession::Impl {
  SessionConfig cfg;
  const Clock& clock;
  mutable std::mutex mu;
  std::condition_variable cv;
  SessionStatus st;
  std::vector<wire::Event> events;
  bool wake = false;
  std::atomic<bool> stopping{false};
  std::thread control, stream;
  int efd = -1;
  bool started = false;
  std::string stop_reason = "shutdown";
  WallTime token_iat{};     // the current token's iat (control thread and take_token, under mu)
  WallTime last_refresh{};  // when a refresh was last asked for (control thread only)

  Impl(SessionConfig c, const Clock& cl) : cfg(std::move(c)), clock(cl) {
    efd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  ~Impl() {
    if (efd >= 0) ::close(efd);
  }

  void notify() {
    std::uint64_t one = 1;
    if (efd >= 0) (void)!::write(efd, &one, sizeof one);
  }

  // Full jitter: uniform in [0, min(max, min * 2^attempt)].
  Duration backoff(int attempt) const {
    auto cap = cfg.backoff_min * (1LL << std::min(attempt, 20));
    if (cap > cfg.backoff_max) cap = cfg.backoff_max;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(cap).count();
    const auto pick = ms > 0
                          ? randombytes_uniform(
                                static_cast<std::uint32_t>(std::min<long long>(ms, 0xffffffff)) + 1)
                          : 0;
    return std::max<Duration>(std::chrono::milliseconds(pick), std::chrono::milliseconds(50));
  }

  // Sleeps up to d or until woken/stopping. Returns false when stopping.
  bool sleep_for(Duration d) {
    std::unique_lock l(mu);
    cv.wait_for(l, d, [&] { return wake || stopping.load(); });
    wake = false;
    return !stopping.load();
  }

  void set_state(SessionState s, const std::string& err) {
    std::lock_guard l(mu);
    if (st.state != s) {
      // Once per state change, never per retry.
      if (s == SessionState::registered)
        spdlog::info("coordinator: registered with {}", cfg.client.base_url);
      else if (s == SessionState::unreachable)
        spdlog::warn("coordinator: unreachable ({}); keeping admission until token expiry", err);
      else if (s == SessionState::refused)
        spdlog::error("coordinator: registration refused: {}", err);
      else if (s == SessionState::expired)
        spdlog::warn("coordinator: session token expired");
      // Recovered: an error line from before the outage is history, not the current state.
      if (s == SessionState::registered) st.last_error.clear();
      st.state = s;
      notify();
    }
    if (!err.empty()) st.last_error = err;
  }

  // What the match waits for ("" once assigned or when the token is gone).
  void set_detail(const std::string& d) {
    std::lock_guard l(mu);
    if (d == st.detail) return;
    if (!d.empty()) spdlog::info("coordinator: {}", d);
    st.detail = d;
    notify();
  }

  // Accepts a token from the coordinator only if it verifies for us under the configured key.
  bool take_token(const std::string& tok) {
    auto c = verify_session_token(tok, cfg.coordinator_keys, cfg.self, clock.wall());
    if (!c) {
      std::lock_guard l(mu);
      st.last_error = "coordinator issued a token we cannot verify: " + c.error().message();
      return false;
    }
    std::lock_guard l(mu);
    st.token = tok;
    st.token_expires = c->exp;
    token_iat = c->iat;
    notify();
    return true;
  }

  std::pair<std::string, WallTime> token() const {
    std::lock_guard l(mu);
    return {st.token, st.token_expires};
  }

  WallTime next_refresh() const {
    std::lock_guard l(mu);
    return refresh_at(token_iat, st.token_expires, last_refresh, cfg.heartbeat);
  }

  void expire_if_due() {
    std::lock_guard l(mu);
    if (!st.token.empty() && st.token_expires <= clock.wall()) {
      st.token.clear();
      st.assignment.reset();
      st.detail.clear();
      if (st.state != SessionState::expired) {
        spdlog::warn("coordinator: session token expired");
        st.state = SessionState::expired;
      }
      notify();
    }
  }

  static bool is_transport(const Error& e) { return e.code.category() != coord_category(); }

  void run_control() {
    CoordinatorClient cl(cfg.client);
    int attempt = 0;
    WallTime next_hb{};
    WallTime next_match{};  // a failed match is retried with backoff, without holding up heartbeats
    int match_attempt = 0;
    while (!stopping.load()) {
      expire_if_due();
      auto [tok, exp] = token();
      const auto now = clock.wall();
      Result<void> step;
      if (tok.empty()) {
        wire::RegisterRequest r;
        r.peer_id = cfg.self;
        r.invite = cfg.invite;
        r.addr_hint = cfg.addr_hint;
        r.can_exit = cfg.can_exit;
        r.capacity_hint = cfg.capacity;
        r.at = now;
        auto ack = cl.register_peer(r, cfg.own);
        if (ack && take_token(ack->session_token)) {
          learn(cl, *ack);
          set_state(SessionState::registered, "");
          attempt = 0;
          next_hb = now + cfg.heartbeat;
          continue;
        }
        if (!ack) {
          const auto& e = ack.error();
          // Rate limiting is the coordinator being busy, and a challenge that went stale twice
          // is a restarting coordinator, not a refusal: keep retrying.
          // A token that ran out while the coordinator did not answer stays reported as
          // `expired` (what matters to the mesh) until a registration succeeds.
          if (is_transport(e) || e.code == coord_errc::rate_limited ||
              e.code == coord_errc::challenge_invalid)
            set_state(expired_now() ? SessionState::expired : SessionState::unreachable,
                      e.message());
          else
            set_state(SessionState::refused, e.message());
        }
        if (!sleep_for(backoff(attempt++))) break;
        continue;
      }
      bool want_match;
      {
        std::lock_guard l(mu);
        want_match = cfg.want_match && !st.assignment && clock.wall() >= next_match;
      }
      if (want_match) {
        auto m = cl.match(tok, wire::MatchRequest{cfg.self, cfg.hops, now});
        if (m && take_token(m->session_token)) {
          {
            std::lock_guard l(mu);
            st.assignment = *m;
            st.detail.clear();
            st.last_error.clear();  // matched: earlier match failures are over
          }
          set_state(SessionState::registered, "");
          attempt = 0;
          match_attempt = 0;
          notify();
          continue;
        }
        // Keep heartbeating and refreshing the token while matching keeps failing (e.g. no
        // exit available yet, or a token in the answer that does not verify); retry later.
        next_match = clock.wall() + backoff(match_attempt++);
        if (!m && m.error().code == coord_errc::insufficient_cohort) {
          // Not an error: the pool has not reached the floor yet (we are in it).
          set_state(SessionState::registered, "");
          set_detail(m.error().detail);
        } else if (!m) {
          if (!handle_error(m.error())) break;
          if (token().first.empty()) continue;  // the coordinator dropped our token: re-register
        }
      }
      // Refresh at two thirds of the token's lifetime, at most once a heartbeat period.
      const bool refresh = clock.wall() >= next_refresh();
      if (clock.wall() >= next_hb || refresh) {
        if (refresh) last_refresh = clock.wall();
        auto hb = cl.heartbeat(tok, wire::HeartbeatRequest{cfg.self, refresh, clock.wall()});
        if (hb) {
          if (hb->session_token) take_token(*hb->session_token);
          note_served(*hb);
          set_state(SessionState::registered, "");
          attempt = 0;
          next_hb = clock.wall() + cfg.heartbeat;
        } else {
          if (!handle_error(hb.error())) break;
          if (!sleep_for(backoff(attempt++))) break;
          continue;
        }
      }
      auto wait = next_hb - clock.wall();
      if (!token().first.empty() && next_refresh() - clock.wall() < wait)
        wait = next_refresh() - clock.wall();
      {
        std::lock_guard l(mu);
        if (cfg.want_match && !st.assignment && next_match - clock.wall() < wait)
          wait = next_match - clock.wall();
      }
      if (wait < std::chrono::milliseconds(10)) wait = std::chrono::milliseconds(10);
      if (!sleep_for(wait)) break;
    }
    // Stop: a last disconnect while we still hold a token.
    auto [tok, exp] = token();
    if (!tok.empty() && exp > clock.wall()) {
      (void)cl.disconnect(tok, wire::DisconnectRequest{cfg.self, stop_reason, clock.wall()});
    }
  }

  // What a registration taught us about the server: its match wait (so a match call outlives
  // it) and any note for the operator, logged once.
  void learn(CoordinatorClient& cl, const wire::RegisterAck& ack) {
    if (ack.match_wait_ms >= 0) cl.set_match_wait(std::chrono::milliseconds(ack.match_wait_ms));
    std::lock_guard l(mu);
    if (!ack.warning.empty() && ack.warning != st.warning)
      spdlog::warn("coordinator: {}", ack.warning);
    st.warning = ack.warning;
  }

  void note_served(const wire::HeartbeatAck& hb) {
    std::lock_guard l(mu);
    if (hb.exit_cohorts != st.exit_cohorts || hb.exit_clients != st.exit_clients) notify();
    st.exit_cohorts = hb.exit_cohorts;
    st.exit_clients = hb.exit_clients;
  }

  bool expired_now() const {
    std::lock_guard l(mu);
    return st.state == SessionState::expired;
  }

  // Returns false to stop the loop.
  bool handle_error(const Error& e) {
    if (is_transport(e)) {
      set_state(SessionState::unreachable, e.message());  // fail static: keep the token
      return true;
    }
    if (e.code == coord_errc::token_invalid || e.code == coord_errc::token_expired) {
      std::lock_guard l(mu);
      st.token.clear();  // re-register (with the invite)
      st.assignment.reset();
      st.last_error = e.message();
      notify();
      return true;
    }
    std::lock_guard l(mu);
    st.last_error = e.message();  // insufficient cohort, no exit, rate limit: retry later
    return true;
  }

  void run_stream() {
    int attempt = 0;
    while (!stopping.load()) {
      auto [tok, exp] = token();
      if (tok.empty()) {
        if (!sleep_stream(std::chrono::milliseconds(200))) break;
        continue;
      }
      {
        std::lock_guard l(mu);
        ++st.stream_connects;
      }
      const auto started_at = clock.now();
      EventStreamStats stats;
      auto r = follow_events(
          cfg.client, tok, [&](const wire::Event& e) { on_event(e); }, stopping, &stats);
      if (stopping.load()) break;
      if (stats.events > 0 || clock.now() - started_at > std::chrono::seconds(30)) attempt = 0;
      if (!r && !is_transport(r.error()) &&
          (r.error().code == coord_errc::token_invalid ||
           r.error().code == coord_errc::token_expired)) {
        // The control thread will fetch a new token; wait for it.
        if (!sleep_stream(std::chrono::milliseconds(500))) break;
        continue;
      }
      if (!sleep_stream(backoff(attempt++))) break;
    }
  }

  bool sleep_stream(Duration d) {
    const auto until = clock.now() + d;
    while (clock.now() < until) {
      if (stopping.load()) return false;
      std::this_thread::sleep_for(
          std::min<Duration>(until - clock.now(), std::chrono::milliseconds(50)));
    }
    return !stopping.load();
  }

  void on_event(const wire::Event& e) {
    if (e.type == "CohortAssigned" && e.assignment) {
      if (take_token(e.assignment->session_token)) {
        std::lock_guard l(mu);
        st.assignment = *e.assignment;
        st.detail.clear();  // the cohort formed while we waited
      }
    } else if (e.type == "CohortRotated") {
      std::lock_guard l(mu);
      if (st.assignment && st.assignment->cohort == e.cohort) st.assignment.reset();
      wake = true;  // match again (re-pool)
    } else if (e.type == "Disconnect" && e.peer_id == cfg.self.to_base64()) {
      std::lock_guard l(mu);
      st.token.clear();
      st.assignment.reset();
      wake = true;
    }
    {
      std::lock_guard l(mu);
      ++st.events;
      events.push_back(e);
      if (events.size() > 1024) events.erase(events.begin());
    }
    cv.notify_all();
    notify();
  }
};

CoordinatorSession::CoordinatorSession(SessionConfig cfg, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(cfg), clock)) {}

CoordinatorSession::~CoordinatorSession() {
  stop();
}

void CoordinatorSession::start() {
  if (impl_->started) return;
  impl_->started = true;
  impl_->control = std::thread([this] { impl_->run_control(); });
  impl_->stream = std::thread([this] { impl_->run_stream(); });
}

void CoordinatorSession::stop(const std::string& reason) {
  if (!impl_->started) return;
  impl_->stop_reason = reason;
  impl_->stopping = true;
  impl_->cv.notify_all();
  if (impl_->control.joinable()) impl_->control.join();
  if (impl_->stream.joinable()) impl_->stream.join();
  impl_->started = false;
  std::lock_guard l(impl_->mu);
  impl_->st.state = SessionState::stopped;
  impl_->notify();
}

SessionStatus CoordinatorSession::status() const {
  std::lock_guard l(impl_->mu);
  return impl_->st;
}

std::vector<wire::Event> CoordinatorSession::drain_events() {
  std::uint64_t v;
  if (impl_->efd >= 0) (void)!::read(impl_->efd, &v, sizeof v);
  std::lock_guard l(impl_->mu);
  return std::exchange(impl_->events, {});
}

int CoordinatorSession::notify_fd() const {
  return impl_->efd;
}

}  // namespace wl::coordinator
