#include "wirelink/agent/coordinator_link.hpp"

#include <sodium.h>

#include <fstream>
#include <iterator>

#include "wirelink/coordinator/session.hpp"

namespace wl::agent {

namespace {

class SessionLink final : public CoordinatorLink {
 public:
  SessionLink(coordinator::SessionConfig cfg, const Clock& clock, PublicKey self)
      : session_(std::move(cfg), clock), self_(self) {
    session_.start();
  }
  ~SessionLink() override { session_.stop(); }

  int notify_fd() const override { return session_.notify_fd(); }

  CoordinatorInfo poll() override {
    (void)session_.drain_events();  // resets the eventfd; the assignment is in status()
    auto st = session_.status();
    CoordinatorInfo i;
    i.state = coordinator::to_string(st.state);
    i.token = st.token;
    i.token_expires = st.token_expires;
    i.last_error = st.last_error;
    if (st.assignment) {
      i.cohort = st.assignment->cohort;
      for (const auto& hop : st.assignment->path) {
        auto key = PublicKey::parse(hop.peer_id);
        if (!key || *key == self_) continue;  // a malformed key from the coordinator is dropped
        CoordinatorPeer p;
        p.key = *key;
        if (auto ep = Endpoint::parse(hop.addr_hint)) p.endpoints.push_back(*ep);
        i.peers.push_back(std::move(p));
      }
    }
    return i;
  }

  void stop() override { session_.stop(); }

 private:
  coordinator::CoordinatorSession session_;
  PublicKey self_;
};

Result<std::string> read_secret_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return make_error(std::errc::no_such_file_or_directory, "cannot read InviteFile " + path);
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  std::string out = s.substr(b, e - b);
  sodium_memzero(s.data(), s.size());
  return out;
}

}  // namespace

Result<std::unique_ptr<CoordinatorLink>> make_coordinator_link(const PublicKey& self,
                                                               const Config& cfg,
                                                               const Clock& clock) {
  coordinator::SessionConfig sc;
  sc.client.base_url = cfg.coordinator_url;
  sc.self = self;
  sc.want_match = true;
  if (!cfg.coordinator_public_key.empty()) {
    auto ring = coordinator::KeyRing::parse(cfg.coordinator_public_key);
    if (!ring)
      return make_error(std::errc::invalid_argument,
                        "CoordinatorPublicKey: " + ring.error().message());
    sc.coordinator_keys = std::move(*ring);
  }
  if (!cfg.invite_file.empty()) {
    auto inv = read_secret_file(cfg.invite_file);
    if (!inv) return inv.error();
    sc.invite = std::move(*inv);
  }
  std::unique_ptr<CoordinatorLink> l = std::make_unique<SessionLink>(std::move(sc), clock, self);
  return l;
}

CoordinatorGrant grant_of(const CoordinatorInfo& info, TimePoint now, WallTime wall_now) {
  CoordinatorGrant g;
  const bool valid = !info.token.empty() && info.token_expires > wall_now;
  if (!valid) return g;
  g.own_token = info.token;
  g.until = now + std::chrono::duration_cast<Duration>(info.token_expires - wall_now);
  g.peers = info.peers;
  return g;
}

}  // namespace wl::agent
