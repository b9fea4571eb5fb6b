// The coordinator module: the libcurl CoordinatorSession behind the agent's CoordinatorLink,
// built as lib/wirelink/coordinator-link.so and loaded by coordinator_link_loader.cpp only when
// CoordinatorURL is set. Only the two extern "C" entry points are exported; everything linked in
// statically stays private to the module (-Wl,--exclude-libs,ALL and hidden visibility).

#include "wirelink/agent/coordinator_link_loader.hpp"
#include "wirelink/base/secret_file.hpp"
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
    i.detail = st.detail;
    i.warning = st.warning;
    i.exit_cohorts = st.exit_cohorts;
    i.exit_clients = st.exit_clients;
    if (st.assignment) {
      i.cohort = st.assignment->cohort;
      for (const auto& hop : st.assignment->path) {
        auto key = PublicKey::parse(hop.peer_id);
        if (!key || *key == self_) continue;  // a malformed key from the coordinator is dropped
        i.path.push_back(*key);
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

Result<std::unique_ptr<CoordinatorLink>> make_session_link(const PublicKey& self,
                                                           const PrivateKey& own, const Config& cfg,
                                                           const Clock& clock) {
  coordinator::SessionConfig sc;
  sc.client.base_url = cfg.coordinator_url;
  sc.client.ca_file = cfg.coordinator_ca_file;  // empty: the system trust store
  sc.self = self;
  sc.own = own.clone();  // the session's own copy, wiped when it ends
  // An exit offers capacity and is matched to by clients; everyone else asks for a match.
  sc.can_exit = cfg.coordinator_exit_capacity > 0;
  sc.capacity = cfg.coordinator_exit_capacity;
  sc.want_match = !sc.can_exit;
  sc.addr_hint = cfg.coordinator_endpoint;
  if (!cfg.coordinator_public_key.empty()) {
    auto ring = coordinator::KeyRing::parse(cfg.coordinator_public_key);
    if (!ring)
      return make_error(std::errc::invalid_argument,
                        "CoordinatorPublicKey: " + ring.error().detail);
    sc.coordinator_keys = std::move(*ring);
  }
  if (!cfg.invite_file.empty()) {
    auto inv = read_secret_text_file(cfg.invite_file);  // a secret: mode checked, buffer wiped
    if (!inv) return Error{inv.error().code, "InviteFile " + inv.error().detail};
    sc.invite = std::move(*inv);
  }
  std::unique_ptr<CoordinatorLink> l = std::make_unique<SessionLink>(std::move(sc), clock, self);
  return l;
}

}  // namespace
}  // namespace wl::agent

extern "C" __attribute__((visibility("default"))) const char* wl_coordinator_link_abi_v2() {
  static const std::string abi = wl::agent::coordinator_link_abi();
  return abi.c_str();
}

// Ownership of the returned Result passes to the caller (coordinator_link_loader.cpp).
extern "C" __attribute__((visibility("default")))
wl::Result<std::unique_ptr<wl::agent::CoordinatorLink>>*
wl_coordinator_link_make_v2(const wl::PublicKey& self, const wl::PrivateKey& own,
                            const wl::agent::Config& cfg, const wl::Clock& clock) {
  return new wl::Result<std::unique_ptr<wl::agent::CoordinatorLink>>(
      wl::agent::make_session_link(self, own, cfg, clock));
}
