#include "wirelink/agent/async_resolver.hpp"

#include <netdb.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <spdlog/spdlog.h>

namespace wl::agent {

namespace {

struct Entry {
  std::vector<Endpoint> answer;
  std::optional<TimePoint> answered;  // last successful lookup
  std::optional<TimePoint> tried;     // last lookup, successful or not
  bool queued = false;
  std::string error;          // why the last lookup gave nothing ("" after a success)
  bool error_logged = false;  // `error` has been logged while the name has no answer
};

}  // namespace

struct AsyncResolver::State {
  Lookup lookup;
  const Clock* clock;  // read by resolve() only, on the caller's thread
  Options opt;
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::pair<std::string, std::uint16_t>, Entry> cache;
  std::deque<HostPort> queue;
  bool stop = false;
  bool worker_started = false;
  std::uint64_t lookups = 0;

  // Runs on the worker thread; holds a shared_ptr to the state, so it may outlive the resolver.
  static void work(std::shared_ptr<State> s) {
    std::unique_lock lk(s->mu);
    for (;;) {
      s->cv.wait(lk, [&] { return s->stop || !s->queue.empty(); });
      if (s->stop) return;
      HostPort hp = s->queue.front();
      s->queue.pop_front();
      lk.unlock();
      auto answer = s->lookup(hp);
      lk.lock();
      auto& e = s->cache[{hp.host, hp.port}];
      e.queued = false;
      ++s->lookups;
      if (!answer.endpoints.empty()) {
        e.answer = std::move(answer.endpoints);
        e.answered = e.tried;  // when the lookup was asked for (the worker never reads the clock)
        e.error.clear();
        e.error_logged = false;
      } else {
        e.error = answer.error.empty() ? "no addresses" : std::move(answer.error);
      }
    }
  }
};

AsyncResolver::AsyncResolver(Lookup lookup, const Clock& clock, Options opt)
    : st_(std::make_shared<State>()) {
  st_->lookup = std::move(lookup);
  st_->clock = &clock;
  st_->opt = opt;
}

AsyncResolver::~AsyncResolver() {
  {
    std::lock_guard lk(st_->mu);
    st_->stop = true;
  }
  st_->cv.notify_all();
}

std::vector<Endpoint> AsyncResolver::resolve(const HostPort& hp) {
  // A literal (a scoped link-local one too) needs no DNS; a zone naming no interface (yet) gives
  // nothing this cycle and is looked up again the next.
  if (auto lit = literal_endpoint(hp); !lit || *lit)
    return lit ? std::vector{**lit} : std::vector<Endpoint>{};
  std::unique_lock lk(st_->mu);
  auto& e = st_->cache[{hp.host, hp.port}];
  const TimePoint now = st_->clock->now();
  const bool stale = !e.answered || now - *e.answered >= st_->opt.refresh_after;
  const bool may_retry = !e.tried || now - *e.tried >= st_->opt.retry_after;
  if (stale && may_retry && !e.queued && !st_->stop) {
    e.queued = true;
    e.tried = now;
    st_->queue.push_back(hp);
    if (!st_->worker_started) {
      st_->worker_started = true;
      std::thread(State::work, st_).detach();
    }
    st_->cv.notify_one();
  }
  auto answer = e.answer;
  // Said once, here on the caller's thread, where the log is; the worker never logs.
  if (answer.empty() && !e.error.empty() && !e.error_logged) {
    e.error_logged = true;
    const std::string why = e.error;
    lk.unlock();
    spdlog::info("endpoint {}:{} does not resolve: {}", hp.host, hp.port, why);
  }
  return answer;
}

std::uint64_t AsyncResolver::lookups() const {
  std::lock_guard lk(st_->mu);
  return st_->lookups;
}

std::string AsyncResolver::failure(const HostPort& hp) const {
  std::lock_guard lk(st_->mu);
  const auto it = st_->cache.find({hp.host, hp.port});
  return it == st_->cache.end() || !it->second.answer.empty() ? std::string() : it->second.error;
}

LookupAnswer lookup_with_getaddrinfo(const HostPort& hp) {
  std::vector<Endpoint> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(hp.host.c_str(), nullptr, &hints, &res); rc != 0)
    return LookupAnswer({}, ::gai_strerror(rc));
  for (addrinfo* a = res; a; a = a->ai_next) {
    auto ep = Endpoint::from_sockaddr(a->ai_addr, a->ai_addrlen);
    if (ep) {
      Endpoint e(ep->address(), hp.port);
      if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(e);
    }
  }
  ::freeaddrinfo(res);
  return out;
}

}  // namespace wl::agent
