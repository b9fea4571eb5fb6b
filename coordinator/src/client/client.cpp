#include "wirelink/coordinator/client.hpp"

#include <curl/curl.h>

#include <mutex>

#include "wirelink/coordinator/register_proof.hpp"
#include "wirelink/coordinator/session_timing.hpp"

namespace wl::coordinator {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append(char* p, std::size_t size, std::size_t n, void* ud) {
  auto* s = static_cast<std::string*>(ud);
  if (s->size() + size * n > std::size_t{1024} * 1024) return 0;  // a reply this large is not ours
  s->append(p, size * n);
  return size * n;
}

Error transport(CURLcode c, const char* errbuf) {
  const std::string d =
      std::string("coordinator unreachable: ") + (errbuf[0] ? errbuf : curl_easy_strerror(c));
  if (c == CURLE_OPERATION_TIMEDOUT) return Error{std::make_error_code(std::errc::timed_out), d};
  return Error{std::make_error_code(std::errc::host_unreachable), d};
}

// Maps a non-200 reply to its stable error code.
Error from_reply(long status, const std::string& body) {
  auto e = wire::parse_error(body);
  if (e) {
    // message() adds the code's text, which is the wire code ("invite.invalid").
    if (auto c = parse_wire_code(e->code)) {
      if (*c == coord_errc::insufficient_cohort && e->waiting >= 0 && e->floor >= 0)
        return Error{*c, waiting_text(e->waiting, e->floor, e->exit)};
      return Error{*c, e->message};
    }
  }
  return Error{std::make_error_code(std::errc::protocol_error),
               "coordinator replied HTTP " + std::to_string(status) + " without an error body"};
}

template <class T, class F>
Result<T> parse_ok(Result<CoordinatorClient::Raw> raw, F parse) {
  if (!raw) return raw.error();
  if (raw->status != 200) return from_reply(raw->status, raw->body);
  auto v = parse(raw->body);
  if (!v)
    return Error{std::make_error_code(std::errc::protocol_error), "bad reply: " + v.error().detail};
  return std::move(*v);
}

}  // namespace

struct CoordinatorClient::Impl {
  ClientOptions o;
  CURL* h = nullptr;
};

CoordinatorClient::CoordinatorClient(ClientOptions o) : impl_(std::make_unique<Impl>()) {
  global_init();
  impl_->o = std::move(o);
  while (!impl_->o.base_url.empty() && impl_->o.base_url.back() == '/')
    impl_->o.base_url.pop_back();
  impl_->h = curl_easy_init();
}

CoordinatorClient::~CoordinatorClient() {
  if (impl_->h) curl_easy_cleanup(impl_->h);
}

Result<CoordinatorClient::Raw> CoordinatorClient::request(const std::string& method,
                                                          const std::string& path,
                                                          const std::string& body,
                                                          const std::string& token) {
  return request_within(method, path, body, token, impl_->o.timeout);
}

void CoordinatorClient::set_match_wait(std::chrono::milliseconds w) {
  impl_->o.match_wait = w;
}

Result<CoordinatorClient::Raw> CoordinatorClient::request_within(
    const std::string& method, const std::string& path, const std::string& body,
    const std::string& token, std::chrono::milliseconds timeout) {
  CURL* h = impl_->h;
  if (!h) return Error{std::make_error_code(std::errc::not_enough_memory), "curl_easy_init failed"};
  curl_easy_reset(h);
  Raw out;
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string url = impl_->o.base_url + path;
  curl_slist* hdrs = nullptr;
  hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
  hdrs = curl_slist_append(hdrs, "Expect:");
  std::string auth;
  if (!token.empty()) {
    auth = "Authorization: Bearer " + token;
    hdrs = curl_slist_append(hdrs, auth.c_str());
  }
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "POST") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(impl_->o.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!impl_->o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, impl_->o.ca_file.c_str());
  const CURLcode c = curl_easy_perform(h);
  curl_slist_free_all(hdrs);
  if (!auth.empty()) std::fill(auth.begin(), auth.end(), '\0');
  if (c != CURLE_OK) return transport(c, errbuf);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
  return out;
}

Result<wire::RegisterAck> CoordinatorClient::register_peer(const wire::RegisterRequest& r,
                                                           const PrivateKey& own) {
  Result<wire::RegisterAck> out = Error{coord_errc::challenge_invalid, "no challenge"};
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto ch =
        parse_ok<wire::Challenge>(request("GET", "/api/v1/challenge", ""), wire::parse_challenge);
    if (!ch) return ch.error();
    auto coordinator = PublicKey::parse(ch->coordinator_key);
    if (!coordinator)
      return Error{std::make_error_code(std::errc::protocol_error),
                   "bad reply: coordinator_key is not an X25519 key"};
    wire::RegisterRequest proven = r;
    proven.challenge = ch->challenge;
    auto proof = make_register_proof(proven, own, *coordinator);
    if (!proof) return proof.error();
    proven.proof = std::move(*proof);
    out = parse_ok<wire::RegisterAck>(request("POST", "/api/v1/register", wire::to_json(proven)),
                                      wire::parse_register_ack);
    if (out || out.error().code != coord_errc::challenge_invalid) break;
  }
  return out;
}

Result<wire::MatchResponse> CoordinatorClient::match(const std::string& token,
                                                     const wire::MatchRequest& r) {
  return parse_ok<wire::MatchResponse>(
      request_within("POST", "/api/v1/match", wire::to_json(r), token,
                     match_timeout(impl_->o.timeout, impl_->o.match_wait)),
      wire::parse_match_response);
}

Result<wire::HeartbeatAck> CoordinatorClient::heartbeat(const std::string& token,
                                                        const wire::HeartbeatRequest& r) {
  return parse_ok<wire::HeartbeatAck>(request("POST", "/api/v1/heartbeat", wire::to_json(r), token),
                                      wire::parse_heartbeat_ack);
}

Result<void> CoordinatorClient::disconnect(const std::string& token,
                                           const wire::DisconnectRequest& r) {
  auto raw = request("POST", "/api/v1/disconnect", wire::to_json(r), token);
  if (!raw) return raw.error();
  if (raw->status != 200) return from_reply(raw->status, raw->body);
  return {};
}

namespace {

struct StreamState {
  const std::function<void(const wire::Event&)>* on_event;
  const std::atomic<bool>* stop;
  EventStreamStats stats;
  std::string line_buf, data;
  long status = 0;
  std::string error_body;
};

void on_line(StreamState& s, std::string_view line) {
  if (line.empty()) {
    // End of one event: dispatch its data.
    if (!s.data.empty()) {
      auto e = wire::parse_event(s.data);
      if (e) {
        ++s.stats.events;
        (*s.on_event)(*e);
      } else {
        ++s.stats.dropped;
      }
    }
    s.data.clear();
    return;
  }
  if (line.front() == ':') return;  // comment / keepalive
  if (line.substr(0, 5) == "data:") {
    auto v = line.substr(5);
    if (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    if (!s.data.empty()) s.data += '\n';
    s.data.append(v);
    if (s.data.size() > std::size_t{256} * 1024) {
      ++s.stats.dropped;
      s.data.clear();
    }
  }
}

std::size_t stream_write(char* p, std::size_t size, std::size_t n, void* ud) {
  auto& s = *static_cast<StreamState*>(ud);
  if (s.status != 200) {
    if (s.error_body.size() < std::size_t{64} * 1024) s.error_body.append(p, size * n);
    return size * n;
  }
  for (std::size_t i = 0; i < size * n; ++i) {
    const char c = p[i];
    if (c == '\n') {
      std::string_view l(s.line_buf);
      if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
      on_line(s, l);
      s.line_buf.clear();
    } else if (s.line_buf.size() < std::size_t{512} * 1024) {
      s.line_buf += c;
    }
  }
  return size * n;
}

std::size_t header_cb(char* p, std::size_t size, std::size_t n, void* ud) {
  auto& s = *static_cast<StreamState*>(ud);
  std::string_view h(p, size * n);
  if (h.substr(0, 5) == "HTTP/") {
    auto sp = h.find(' ');
    if (sp != std::string_view::npos)
      s.status = std::strtol(std::string(h.substr(sp + 1, 3)).c_str(), nullptr, 10);
  }
  return size * n;
}

int progress_cb(void* ud, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<StreamState*>(ud)->stop->load() ? 1 : 0;
}

}  // namespace

Result<void> follow_events(const ClientOptions& o, const std::string& token,
                           const std::function<void(const wire::Event&)>& on_event,
                           const std::atomic<bool>& stop, EventStreamStats* stats) {
  global_init();
  CURL* h = curl_easy_init();
  if (!h) return Error{std::make_error_code(std::errc::not_enough_memory), "curl_easy_init failed"};
  StreamState s{&on_event, &stop, {}, {}, {}, 0, {}};
  std::string base = o.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = base + "/api/v1/events";
  const std::string auth = "Authorization: Bearer " + token;
  curl_slist* hdrs = curl_slist_append(nullptr, auth.c_str());
  hdrs = curl_slist_append(hdrs, "Accept: text/event-stream");
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, stream_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &s);
  curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress_cb);
  curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout.count()));
  // The server pings every 15 s; 45 s without a byte means the stream is dead.
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 45L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!o.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o.ca_file.c_str());
  const CURLcode c = curl_easy_perform(h);
  curl_slist_free_all(hdrs);
  curl_easy_cleanup(h);
  if (stats) *stats = s.stats;
  if (stop.load()) return {};
  if (s.status != 0 && s.status != 200) return from_reply(s.status, s.error_body);
  if (c != CURLE_OK) return transport(c, errbuf);
  return Error{std::make_error_code(std::errc::connection_reset),
               "event stream closed by the coordinator"};
}

}  // namespace wl::coordinator
