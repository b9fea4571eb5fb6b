// Shared helpers for the tests that drive a real coordinator process.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "server_process.hpp"
#include "store.hpp"
#include "wirelink/coordinator/client.hpp"
#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/paserk.hpp"
#include "wirelink/coordinator/register_proof.hpp"
#include "wirelink/coordinator/session_token.hpp"

namespace wl::test {

// Every key a test makes, so registering it can prove its private key.
struct KeyBook {
  std::mutex mu;
  std::map<PublicKey, PrivateKey> keys;
};
inline KeyBook& key_book() {
  static KeyBook b;
  return b;
}

inline PublicKey new_key() {
  auto priv = generate_private_key();
  const auto pub = public_key_of(priv);
  std::lock_guard l(key_book().mu);
  key_book().keys.emplace(pub, std::move(priv));
  return pub;
}

// The private key of a key new_key() made (references stay valid: map nodes never move).
inline const PrivateKey& private_of(const PublicKey& k) {
  std::lock_guard l(key_book().mu);
  return key_book().keys.at(k);
}

// Registers r.peer_id the way the agent does: challenge, proof with its own private key.
inline Result<coordinator::wire::RegisterAck> enroll(coordinator::CoordinatorClient& cl,
                                                     const coordinator::wire::RegisterRequest& r) {
  return cl.register_peer(r, private_of(r.peer_id));
}

inline std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A fresh, empty coordinator database for one test. The same test bodies run on both
// engines: under tests/pg/with_pg.sh (WL_TEST_PG_HOST set) a new PostgreSQL database on that
// server, otherwise an SQLite file in `dir`.
inline std::string test_db(const TempDir& dir, const std::string& name = "c") {
  const char* host = std::getenv("WL_TEST_PG_HOST");
  if (!host || !*host) return dir.path() + "/" + name + ".db";
  static int n = 0;
  const std::string db = "wlt_" + std::to_string(::getpid()) + "_" + std::to_string(++n);
  const std::string q = std::string("?host=") + host + "&user=" + std::getenv("WL_TEST_PG_USER");
  PGconn* c = PQconnectdb(("postgresql:///postgres" + q).c_str());
  PGresult* r = PQexec(c, ("CREATE DATABASE " + db).c_str());
  EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  return "postgresql:///" + db + q;
}

// keygen on a fresh DB; returns the k4.public line.
inline std::string keygen(const std::string& db) {
  auto [rc, out] = run_cli({"keygen", "--db", db});
  EXPECT_EQ(rc, 0);
  return trim(out.substr(0, out.find('\n')));
}

inline std::string invite(const std::string& db, int uses, const std::string& ttl = "24h") {
  auto [rc, out] =
      run_cli({"invite", "create", "--uses", std::to_string(uses), "--ttl", ttl, "--db", db});
  EXPECT_EQ(rc, 0);
  return trim(out);
}

// The active signing key, read from the coordinator's own database (to forge "real" tokens
// with the right key, e.g. already expired ones).
inline coordinator::SigningKey signing_key(const std::string& db) {
  auto s = coordinator::server::Store::open(db);
  EXPECT_TRUE(s.ok());
  auto keys = s->keys();
  for (const auto& k : *keys)
    if (k.active)
      return coordinator::SigningKey::from(
          std::move(coordinator::paserk::parse_secret(k.secret).value()));
  ADD_FAILURE() << "no active key";
  return coordinator::SigningKey::from(coordinator::paseto::V4SecretKey::generate());
}

inline coordinator::wire::RegisterRequest reg(const PublicKey& k, const std::string& inv,
                                              bool exit = false, int cap = 0) {
  coordinator::wire::RegisterRequest r;
  r.peer_id = k;
  r.invite = inv;
  r.can_exit = exit;
  r.capacity_hint = cap;
  r.addr_hint = exit ? "192.0.2.1:51820" : "";
  return r;
}

// `r` with a fresh challenge and a valid proof, as the body of a raw POST /api/v1/register.
inline std::string proven_body(coordinator::CoordinatorClient& cl,
                               coordinator::wire::RegisterRequest r) {
  auto raw = cl.request("GET", "/api/v1/challenge", "");
  EXPECT_TRUE(raw.ok() && raw->status == 200);
  if (!raw.ok()) return {};
  auto ch = coordinator::wire::parse_challenge(raw->body);
  EXPECT_TRUE(ch.ok()) << raw->body;
  if (!ch.ok()) return {};
  r.challenge = ch->challenge;
  auto proof = coordinator::make_register_proof(r, private_of(r.peer_id),
                                                PublicKey::parse(ch->coordinator_key).value());
  EXPECT_TRUE(proof.ok());
  r.proof = proof.ok() ? *proof : std::string();
  return to_json(r);
}

// Polls `pred` every 20 ms for up to `seconds` (a bound, not a timing assertion).
inline bool eventually(const std::function<bool()>& pred, int seconds = 10) {
  for (int i = 0; i < seconds * 50; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

template <class T>
coordinator::coord_errc code_of(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return coordinator::coord_errc::internal;
  EXPECT_EQ(&r.error().code.category(), &coordinator::coord_category()) << r.error().message();
  return static_cast<coordinator::coord_errc>(r.error().code.value());
}

}  // namespace wl::test
