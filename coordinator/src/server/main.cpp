// wirelink-coordinator: keygen | pubkey | invite create/list/revoke | serve. See the README.
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli_values.hpp"
#include "http_server.hpp"
#include "service.hpp"
#include "store.hpp"
#include "store_copy.hpp"
#include "wirelink/base/version.hpp"
#include "wirelink/coordinator/invite.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/rfc3339.hpp"

namespace {

using namespace wl::coordinator;
namespace asio = boost::asio;

constexpr const char* kHelp = R"(Usage: wirelink-coordinator <command> [options]

Admission service for wirelink meshes: PASETO v4.public session tokens, signed invites,
cohort admission with an anonymity floor. State lives in one SQLite database (WAL), or in
PostgreSQL, which several replicas can share.

Commands:
  keygen                 add a new Ed25519 signing key to the key ring and make it active
                         (older keys keep verifying their tokens); prints its k4.public and k4.pid
  pubkey                 print every public key of the ring (k4.public), active one first
  invite create          create a signed invite and print it (one line, "wlinv1.…")
      --uses N           how many peers may redeem it (default 1)
      --ttl DUR          lifetime, e.g. 24h, 90m, 3600s, 7d (default 24h, at most 365d;
                         0 = never expires)
  invite list            list the invites in the ledger: ID, issued, expiry, uses, state
  invite revoke ID       remove an invite from the ledger: nobody can redeem it any more
                         (peers that already did stay registered)
  migrate                copy keys, invites (uses and ledger) and peers into another database;
                         idempotent (run it again after a partial copy)
      --from DB          the source database (e.g. the SQLite file)
      --to DB            the destination (e.g. postgres://user@host/db)
  serve                  run the HTTP API
      --listen ADDR:PORT listen address (default 127.0.0.1:8787; port 0 = ephemeral)
      --port-file FILE   write the bound port to FILE once listening
      --tls-cert FILE    serve HTTPS with this PEM certificate chain (needs --tls-key)
      --tls-key FILE     PEM private key for --tls-cert
      --floor N          anonymity-set floor: peers per cohort (default 30; < 30 needs --dev)
      --dev              development network: allow floors below 30
      --rotation DUR     cohort rotation period (default 15m; 1s to 30d)
      --token-ttl DUR    session token lifetime (default 30m; 2m to 30d, --dev: from 10s)
      --match-wait DUR   how long POST /api/v1/match waits for the floor (default 10s; <= 5m)
      --peer-timeout DUR drop quiet peers from pools and cohorts after DUR (default 120s)
      --rate-ip R        requests/s per client IP, 0 = unlimited (default 200)
      --rate-ip-burst B  burst per client IP (default 400)
      --rate-peer R      requests/s per authenticated peer, 0 = unlimited (default 20)
      --rate-peer-burst B burst per peer (default 40)
      --rate-fail R      failed (unauthenticated) requests/s per client IP before they
                         answer 429, 0 = unlimited (default 5)
      --rate-fail-burst B burst of failed requests per client IP (default 20)
      --max-streams N    open event streams per peer (default 4)
      --max-connections N open connections, event streams included (default 4096)
      --idle-timeout DUR close a connection idle for DUR (default 60s; 1s to 1h)
      --sync MODE        normal (survives process crashes; default) or full (also power loss)
      --log-level L      trace, debug, info (default), warn, error, critical, off (any case)

Common options:
  --db DB                database: a file path (SQLite) or a postgres:// or postgresql://
                         URL (PostgreSQL); default $WL_COORD_DB, else
                         $STATE_DIRECTORY/coordinator.db, else
                         /var/lib/wirelink-coordinator/coordinator.db)
  -h, --help             this text
  --version              print the version

Signals (serve): SIGTERM/SIGINT stop cleanly; SIGHUP re-reads the key ring (after keygen).
Exit status: 0 success, 1 runtime error (database, bind), 2 usage error.
)";

struct Args {
  std::string cmd, sub, arg;  // arg: the ID of 'invite revoke ID'
  std::map<std::string, std::string> opts;
  bool dev = false;
};

int usage(const std::string& msg) {
  std::cerr << "wirelink-coordinator: " << msg << "\nTry 'wirelink-coordinator --help'.\n";
  return 2;
}

// A parsed option value, or its usage error printed (exit 2 through the caller).
template <class T>
bool take(server::Parsed<T> p, T& out, int& rc) {
  if (auto* err = std::get_if<std::string>(&p)) {
    rc = usage(*err);
    return false;
  }
  out = std::get<T>(p);
  return true;
}

std::string default_db() {
  if (const char* d = std::getenv("STATE_DIRECTORY"); d && *d) {
    std::string s(d);
    return s.substr(0, s.find(':')) + "/coordinator.db";
  }
  return "/var/lib/wirelink-coordinator/coordinator.db";
}

wl::Result<server::Store> open_db(const Args& a, bool sync_full = false) {
  const char* env = std::getenv("WL_COORD_DB");
  const auto path = a.opts.count("db") ? a.opts.at("db") : env && *env ? env : default_db();
  // The database holds the signing keys: anyone who can read it can mint tokens and invites.
  // An existing file others may read (from a copy, a restore, a umask) is used, since refusing
  // would take the mesh's admission down over a mode bit, but never silently.
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
    // stderr, not the log: stdout carries the CLI commands' output (keys, invites).
    std::cerr << "wirelink-coordinator: warning: database " << path << " has mode "
              << fmt::format("{:04o}", st.st_mode & 07777)
              << ": group or others may read the signing keys; run 'chmod 600 " << path << "'\n";
  // Create it private.
  const mode_t old = ::umask(077);
  auto s = server::Store::open(path, sync_full);
  ::umask(old);
  return s;
}

int cmd_keygen(const Args& a) {
  auto db = open_db(a);
  if (!db) return std::cerr << "wirelink-coordinator: " << db.error().message() << "\n", 1;
  auto k = paseto::V4SecretKey::generate();
  const auto pid = paserk::pid(k.public_key());
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(wl::SystemClock().wall().time_since_epoch())
          .count();
  if (auto r = db->add_key(server::StoredKey{pid, paserk::to_secret(k), true, now}); !r)
    return std::cerr << "wirelink-coordinator: " << r.error().message() << "\n", 1;
  std::cout << paserk::to_public(k.public_key()) << "\n" << pid << "\n";
  return 0;
}

int cmd_pubkey(const Args& a) {
  auto db = open_db(a);
  if (!db) return std::cerr << "wirelink-coordinator: " << db.error().message() << "\n", 1;
  auto keys = db->keys();
  if (!keys) return std::cerr << "wirelink-coordinator: " << keys.error().message() << "\n", 1;
  if (keys->empty()) return std::cerr << "wirelink-coordinator: no keys; run keygen\n", 1;
  std::vector<std::string> lines;
  for (const auto& k : *keys) {
    auto sk = paserk::parse_secret(k.secret);
    if (!sk) return std::cerr << "wirelink-coordinator: bad key " << k.pid << "\n", 1;
    auto line = paserk::to_public(sk->public_key());
    if (k.active)
      lines.insert(lines.begin(), line);
    else
      lines.push_back(line);
  }
  for (const auto& l : lines) std::cout << l << "\n";
  return 0;
}

// invite list: one line per invite in the ledger (revoked ones are gone from it).
int cmd_invite_list(const Args& a) {
  auto db = open_db(a);
  if (!db) return std::cerr << "wirelink-coordinator: " << db.error().message() << "\n", 1;
  auto inv = db->invites();
  if (!inv) return std::cerr << "wirelink-coordinator: " << inv.error().message() << "\n", 1;
  const auto now = wl::SystemClock().wall();
  const auto at = [](long long s) { return format_rfc3339(wl::WallTime(std::chrono::seconds(s))); };
  std::cout << "ID\tISSUED\tEXPIRES\tUSES\tSTATE\n";
  for (const auto& i : *inv) {
    const bool expired = i.expires_at && wl::WallTime(std::chrono::seconds(*i.expires_at)) <= now;
    const char* state = expired ? "expired" : i.uses >= i.max_uses ? "used up" : "open";
    std::cout << i.code << "\t" << at(i.issued_at) << "\t"
              << (i.expires_at ? at(*i.expires_at) : std::string("never")) << "\t" << i.uses << "/"
              << i.max_uses << "\t" << state << "\n";
  }
  return 0;
}

// invite revoke ID: no peer can redeem it any more; peers that did stay registered.
int cmd_invite_revoke(const Args& a) {
  if (a.arg.empty()) return usage("invite revoke: expected an invite ID (see 'invite list')");
  auto db = open_db(a);
  if (!db) return std::cerr << "wirelink-coordinator: " << db.error().message() << "\n", 1;
  if (auto r = db->revoke_invite(a.arg); !r)
    return std::cerr << "wirelink-coordinator: invite " << a.arg << ": " << r.error().detail
                     << "\n",
           1;
  std::cout << "revoked " << a.arg << "\n";
  return 0;
}

int cmd_invite(const Args& a) {
  if (a.sub == "list") return cmd_invite_list(a);
  if (a.sub == "revoke") return cmd_invite_revoke(a);
  if (a.sub != "create") return usage("invite: expected 'invite create', 'list' or 'revoke ID'");
  int rc = 0;
  std::size_t uses = 1;
  if (a.opts.count("uses") &&
      !take(server::parse_count("uses", a.opts.at("uses"), 1, 1'000'000'000), uses, rc))
    return rc;
  wl::Duration ttl = std::chrono::hours(24);
  if (a.opts.count("ttl") &&
      !take(server::parse_duration("ttl", a.opts.at("ttl"), wl::Duration::zero(),
                                   server::kMaxInviteTtl),
            ttl, rc))
    return rc;
  auto db = open_db(a);
  if (!db) return std::cerr << "wirelink-coordinator: " << db.error().message() << "\n", 1;
  auto keys = db->keys();
  if (!keys) return std::cerr << "wirelink-coordinator: " << keys.error().message() << "\n", 1;
  std::optional<SigningKey> signer;
  for (const auto& k : *keys)
    if (k.active)
      if (auto sk = paserk::parse_secret(k.secret)) signer = SigningKey::from(std::move(*sk));
  if (!signer)
    return std::cerr << "wirelink-coordinator: no active signing key; run keygen first\n", 1;
  const auto now = wl::SystemClock().wall();
  std::optional<wl::WallTime> exp;
  if (ttl > wl::Duration::zero()) exp = now + ttl;
  auto inv = make_invite(*signer, random_invite_code(), now, exp);
  if (auto r = db->add_invite(inv, static_cast<int>(uses)); !r)
    return std::cerr << "wirelink-coordinator: " << r.error().message() << "\n", 1;
  std::cout << encode_invite(inv) << "\n";
  return 0;
}

// Each connection costs a descriptor: lift the soft limit towards the hard one so
// --max-connections, not a distribution's default of 1024, is what bounds the server. Below
// that the listener backs off on EMFILE (logged), so a low limit is a warning, not an error.
void raise_fd_limit(std::size_t max_connections) {
  constexpr rlim_t kSpare = 64;  // database, WAL, listener, logs
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_connections) + kSpare;
  if (rl.rlim_cur < want) {
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
    (void)::setrlimit(RLIMIT_NOFILE, &rl);
    (void)::getrlimit(RLIMIT_NOFILE, &rl);
  }
  if (rl.rlim_cur < want)
    spdlog::warn(
        "coordinator: the descriptor limit ({}) is below --max-connections {} + {}; when it is "
        "reached new connections wait (raise LimitNOFILE or lower --max-connections)",
        rl.rlim_cur, max_connections, kSpare);
}

int cmd_migrate(const Args& a) {
  if (!a.opts.count("from") || !a.opts.count("to")) return usage("migrate needs --from and --to");
  Args src = a, dst = a;
  src.opts["db"] = a.opts.at("from");
  dst.opts["db"] = a.opts.at("to");
  auto from = open_db(src);
  if (!from) return std::cerr << "wirelink-coordinator: " << from.error().message() << "\n", 1;
  auto to = open_db(dst);
  if (!to) return std::cerr << "wirelink-coordinator: " << to.error().message() << "\n", 1;
  auto n = server::copy_store(*from, *to);
  if (!n) return std::cerr << "wirelink-coordinator: " << n.error().message() << "\n", 1;
  std::cout << "migrated keys=" << n->keys << " invites=" << n->invites
            << " redemptions=" << n->redemptions << " peers=" << n->peers << "\n";
  return 0;
}

int cmd_serve(const Args& a) {
  server::Options o;
  server::HttpLimits limits;
  int rc = 0;
  using std::chrono::seconds;
  auto dur = [&](const char* k, wl::Duration& out, wl::Duration min, wl::Duration max) {
    return !a.opts.count(k) || take(server::parse_duration(k, a.opts.at(k), min, max), out, rc);
  };
  auto num = [&](const char* k, double& out) {
    return !a.opts.count(k) || take(server::parse_number(k, a.opts.at(k), 0, 1e9), out, rc);
  };
  auto count = [&](const char* k, std::size_t& out, std::size_t max) {
    return !a.opts.count(k) || take(server::parse_count(k, a.opts.at(k), 1, max), out, rc);
  };
  if (!dur("rotation", o.rotation, seconds(1), server::kMaxRotation) ||
      !dur("token-ttl", o.token_ttl, seconds(10), server::kMaxTokenTtl) ||
      !dur("match-wait", o.match_wait, wl::Duration::zero(), server::kMaxMatchWait) ||
      !dur("peer-timeout", o.peer_timeout, seconds(1), server::kMaxPeerTimeout) ||
      !dur("idle-timeout", limits.idle, seconds(1), server::kMaxIdleTimeout))
    return rc;
  if (!num("rate-ip", o.rate_ip) || !num("rate-ip-burst", o.rate_ip_burst) ||
      !num("rate-peer", o.rate_peer) || !num("rate-peer-burst", o.rate_peer_burst) ||
      !num("rate-fail", o.rate_fail) || !num("rate-fail-burst", o.rate_fail_burst))
    return rc;
  std::size_t floor = 30;
  if (!count("floor", floor, 1'000'000) || !count("max-streams", o.max_streams, 1000) ||
      !count("max-connections", limits.max_connections, 1'000'000))
    return rc;
  o.dev = a.dev;
  o.floor = floor;
  if (auto e = server::check_token_ttl(o.token_ttl, o.dev); !e.empty()) return usage(e);
  if (o.floor < 30 && !o.dev)
    return usage("--floor " + std::to_string(o.floor) +
                 " is below the anonymity floor of 30; add --dev for a development network");
  const auto listen = a.opts.count("listen") ? a.opts.at("listen") : std::string("127.0.0.1:8787");
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return usage("--listen: expected ADDR:PORT");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(host, ec);
  unsigned port = 0;
  const auto ps = listen.substr(colon + 1);
  if (ec || ps.empty() ||
      std::from_chars(ps.data(), ps.data() + ps.size(), port).ec != std::errc() || port > 65535)
    return usage("--listen: expected a literal ADDR:PORT, e.g. 127.0.0.1:8787 or [::1]:8787");
  if (a.opts.count("log-level")) {
    auto level = spdlog::level::info;
    if (!take(server::parse_log_level(a.opts.at("log-level")), level, rc)) return rc;
    spdlog::set_level(level);
  }
  const auto sync = a.opts.count("sync") ? a.opts.at("sync") : std::string("normal");
  if (sync != "normal" && sync != "full") return usage("--sync: normal or full");

  auto db = open_db(a, sync == "full");
  if (!db) return spdlog::error("coordinator: {}", db.error().message()), 1;
  asio::io_context ioc(1);
  wl::SystemClock clock;
  server::Service svc(ioc.get_executor(), o, std::move(*db), clock);
  if (auto r = svc.load(); !r) return spdlog::error("coordinator: {}", r.error().message()), 1;
  raise_fd_limit(limits.max_connections);
  server::HttpServer http(ioc, svc, limits);
  if (a.opts.count("tls-cert") != a.opts.count("tls-key"))
    return usage("--tls-cert and --tls-key go together");
  if (a.opts.count("tls-cert")) {
    if (auto r = http.enable_tls(a.opts.at("tls-cert"), a.opts.at("tls-key")); !r)
      return spdlog::error("coordinator: {}", r.error().message()), 1;
  }
  auto bound = http.listen(asio::ip::tcp::endpoint(addr, static_cast<unsigned short>(port)));
  if (!bound) return spdlog::error("coordinator: {}", bound.error().message()), 1;
  spdlog::info("coordinator: listening on {}://{}:{} (floor {}{}, rotation {}s)",
               a.opts.count("tls-cert") ? "https" : "http", bound->address().to_string(),
               bound->port(), o.floor, o.dev ? ", dev" : "",
               std::chrono::duration_cast<std::chrono::seconds>(o.rotation).count());
  if (a.opts.count("port-file")) {
    const auto pf = a.opts.at("port-file");
    { std::ofstream(pf + ".tmp") << bound->port() << "\n"; }
    std::rename((pf + ".tmp").c_str(), pf.c_str());
  }

  asio::signal_set stop(ioc, SIGINT, SIGTERM);
  stop.async_wait([&](const boost::system::error_code&, int sig) {
    spdlog::info("coordinator: signal {}, stopping", sig);
    svc.set_draining();
    svc.flush();
    http.stop();
    ioc.stop();
  });
  asio::signal_set hup(ioc, SIGHUP);
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](const boost::system::error_code& e, int) {
      if (e) return;
      if (auto r = svc.reload_keys(); !r)
        spdlog::error("coordinator: key reload: {}", r.error().message());
      else
        spdlog::info("coordinator: key ring reloaded");
      wait_hup();
    });
  };
  wait_hup();
  asio::steady_timer tick(ioc);
  std::function<void()> arm = [&] {
    tick.expires_after(std::chrono::seconds(1));
    tick.async_wait([&](const boost::system::error_code& e) {
      if (e) return;
      svc.tick();
      arm();
    });
  };
  arm();
  asio::steady_timer flush_timer(ioc);
  std::function<void()> arm_flush = [&] {
    flush_timer.expires_after(std::chrono::milliseconds(100));
    flush_timer.async_wait([&](const boost::system::error_code& e) {
      if (e) return;
      svc.flush(1000);
      arm_flush();
    });
  };
  arm_flush();
  ioc.run();
  return 0;
}

}  // namespace

namespace {
int run_main(int argc, char** argv) {
  Args a;
  std::vector<std::string> pos;
  static const std::map<std::string, bool> kTakesValue = {{"db", true},
                                                          {"uses", true},
                                                          {"ttl", true},
                                                          {"listen", true},
                                                          {"port-file", true},
                                                          {"floor", true},
                                                          {"rotation", true},
                                                          {"token-ttl", true},
                                                          {"match-wait", true},
                                                          {"peer-timeout", true},
                                                          {"rate-ip", true},
                                                          {"rate-ip-burst", true},
                                                          {"rate-peer", true},
                                                          {"rate-peer-burst", true},
                                                          {"sync", true},
                                                          {"log-level", true},
                                                          {"tls-cert", true},
                                                          {"tls-key", true},
                                                          {"rate-fail", true},
                                                          {"rate-fail-burst", true},
                                                          {"max-connections", true},
                                                          {"idle-timeout", true},
                                                          {"max-streams", true},
                                                          {"from", true},
                                                          {"to", true}};
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "-h" || s == "--help") return std::cout << kHelp, 0;
    if (s == "--version") return std::cout << "wirelink-coordinator " << wl::kVersion << "\n", 0;
    if (s == "--dev") {
      a.dev = true;
      continue;
    }
    if (s.rfind("--", 0) == 0) {
      std::string k = s.substr(2), v;
      if (auto eq = k.find('='); eq != std::string::npos) {
        v = k.substr(eq + 1);
        k = k.substr(0, eq);
      } else if (kTakesValue.count(k)) {
        if (i + 1 >= argc) return usage("option --" + k + " needs a value");
        v = argv[++i];
      }
      if (!kTakesValue.count(k)) return usage("unknown option --" + k);
      a.opts[k] = v;
      continue;
    }
    pos.push_back(s);
  }
  if (pos.empty()) return usage("missing command (keygen, pubkey, invite create, migrate, serve)");
  a.cmd = pos[0];
  if (pos.size() > 1) a.sub = pos[1];
  if (pos.size() > 2) a.arg = pos[2];
  const std::size_t max_pos = a.cmd != "invite" ? 1u : a.sub == "revoke" ? 3u : 2u;
  if (pos.size() > max_pos) return usage("unexpected argument " + pos.back());
  if (sodium_init() < 0) return std::cerr << "wirelink-coordinator: libsodium init failed\n", 1;
  if (a.cmd == "keygen") return cmd_keygen(a);
  if (a.cmd == "pubkey") return cmd_pubkey(a);
  if (a.cmd == "invite") return cmd_invite(a);
  if (a.cmd == "serve") return cmd_serve(a);
  if (a.cmd == "migrate") return cmd_migrate(a);
  return usage("unknown command " + a.cmd);
}
}  // namespace

// Anything a library throws past run_main is a bug; report it instead of terminating silently.
int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wirelink-coordinator: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "wirelink-coordinator: internal error\n");
  }
  return 1;
}
