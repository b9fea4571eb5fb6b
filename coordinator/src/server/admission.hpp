// Admission: the cohort state machine (pending -> live -> re-pool), pure and in memory.
//
// Contract: no I/O, no clock reads, no logging; single-threaded (the server's io thread owns
// it). A peer that asks for a match is put in the pending pool of one exit; when that pool
// reaches the floor, the whole pool becomes one live cohort in a single step (the caller then
// mints every member's token together). Rotation ends a live cohort: its members go back to
// the registered state and must match again (re-pool). Persistence is the caller's job: every
// mutating call returns what changed.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wirelink/base/clock.hpp"
#include "wirelink/base/keys.hpp"

namespace wl::coordinator::server {

struct PeerInfo {
  PublicKey key;
  std::string addr_hint;
  bool can_exit = false;
  int capacity = 0;
};

struct Assignment {
  std::string cohort;
  std::vector<PublicKey> path;  // last entry is the exit
  WallTime rotate_at{};
};

struct Cohort {
  std::string id;
  PublicKey exit;
  std::vector<PublicKey> members;
  WallTime created_at{}, rotate_at{};
};

enum class MatchStatus { assigned, pending, no_exit };

struct MatchOutcome {
  MatchStatus status = MatchStatus::no_exit;
  std::optional<std::string> formed;  // the cohort this call brought live, if any
};

class Admission {
 public:
  struct Options {
    std::size_t floor = 30;
    Duration rotation = std::chrono::minutes(15);
    std::function<std::string()> new_cohort_id;
  };
  explicit Admission(Options o) : opt_(std::move(o)) {}

  void upsert_peer(const PeerInfo& p);
  const PeerInfo* peer(const PublicKey& k) const;
  std::size_t peer_count() const { return peers_.size(); }
  std::size_t pending_count() const;
  std::size_t live_cohort_count() const { return cohorts_.size(); }
  std::size_t exit_count() const;

  MatchOutcome match(const PublicKey& who, int hops, WallTime now);
  const Assignment* assignment(const PublicKey& k) const;
  const Cohort* cohort(const std::string& id) const;
  bool is_pending(const PublicKey& k) const;
  // For a pending peer: the exit whose pool it waits in and how many wait there (itself
  // included); nullopt when it is not pending.
  struct Waiting {
    PublicKey exit;
    std::size_t count = 0;
  };
  std::optional<Waiting> waiting(const PublicKey& k) const;
  std::size_t floor() const { return opt_.floor; }
  // What an exit serves: its live cohorts and their members (for its heartbeat replies).
  struct Served {
    std::size_t cohorts = 0, clients = 0;
  };
  Served served_by(const PublicKey& exit) const;

  // Cohorts whose rotate_at has passed.
  std::vector<std::string> due(WallTime now) const;
  // Ends a live cohort; returns its members (now back in the registered state).
  std::vector<PublicKey> rotate(const std::string& id);
  // Drops a peer from pools and cohorts. Returns the ids of live cohorts it was in or served
  // as exit for (an exit leaving ends its cohorts: the caller rotates them).
  // keep_peer: the peer stays registered (it only went quiet) and may match again.
  std::vector<std::string> remove(const PublicKey& k, bool keep_peer = false);
  // Re-creates a live cohort loaded from storage.
  void restore(const Cohort& c, const std::map<PublicKey, Assignment>& members);

 private:
  struct Pending {
    PublicKey who;
    int hops;
  };
  std::size_t load(const PublicKey& exit) const;
  std::optional<PublicKey> pick_relay(const PublicKey& who, const PublicKey& exit) const;

  Options opt_;
  std::map<PublicKey, PeerInfo> peers_;
  std::map<PublicKey, std::vector<Pending>> pools_;  // exit -> waiting peers
  std::map<PublicKey, PublicKey> pending_exit_;      // peer -> the exit pool it waits in
  std::map<std::string, Cohort> cohorts_;
  std::map<PublicKey, Assignment> live_;
};

}  // namespace wl::coordinator::server
