#include "http_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "wirelink/coordinator/errors.hpp"
#include "wirelink/coordinator/wire.hpp"

namespace wl::coordinator::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr std::size_t kBodyLimit = std::size_t{64} * 1024;
constexpr std::size_t kHeaderLimit = std::size_t{8} * 1024;
using Slot = std::shared_ptr<void>;  // the connection's place in the Listener

// A WebSocket event stream: text frames, one JSON event each. Stream: beast::tcp_stream or
// beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class WsStream : public std::enable_shared_from_this<WsStream<Stream>> {
 public:
  WsStream(Stream s, Service& svc, Slot slot)
      : ws_(std::move(s)), svc_(svc), alive_(svc.alive()), slot_(std::move(slot)) {}
  ~WsStream() {
    if (!alive_.expired()) svc_.unsubscribe(id_);
  }

  void start(http::request<http::string_body> req, std::uint64_t id) {
    id_ = id;
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& r) { r.set(http::field::server, "wirelink-coordinator"); }));
    ws_.async_accept(req, [self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return self->close();
      self->open_ = true;
      self->read();
      self->write_next();
    });
  }

  void send(const std::string& json) {
    if (closed_) return;
    if (queue_.size() > 256) return close();  // a reader that cannot keep up is dropped
    queue_.push_back(json);
    if (open_ && queue_.size() == 1) write_next();
  }

 private:
  void read() {
    ws_.async_read(in_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->in_.consume(self->in_.size());  // clients have nothing to say; ignore frames
      self->read();
    });
  }
  void write_next() {
    if (queue_.empty() || closed_) return;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->close();
                      self->queue_.pop_front();
                      self->write_next();
                    });
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    if (!alive_.expired()) svc_.unsubscribe(id_);
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  websocket::stream<Stream> ws_;
  Service& svc_;
  std::weak_ptr<void> alive_;
  Slot slot_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  std::uint64_t id_ = 0;
  bool open_ = false, closed_ = false;
};

// The text/event-stream variant: "data: <json>\n\n" per event, ": ping" every 15 s.
template <class Stream>
class SseStream : public std::enable_shared_from_this<SseStream<Stream>> {
 public:
  SseStream(Stream s, Service& svc, Slot slot)
      : sock_(std::move(s)),
        svc_(svc),
        alive_(svc.alive()),
        slot_(std::move(slot)),
        ping_(sock_.get_executor()) {}
  ~SseStream() {
    if (!alive_.expired()) svc_.unsubscribe(id_);
  }

  void start(std::uint64_t id) {
    id_ = id;
    queue_.push_front(
        "HTTP/1.1 200 OK\r\nServer: wirelink-coordinator\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n: wirelink-coordinator events\n\n");
    write_next();
    watch();
    schedule_ping();
  }
  void send(const std::string& json) {
    if (closed_) return;
    if (queue_.size() > 256) return close();
    queue_.push_back("data: " + json + "\n\n");
    if (queue_.size() == 1) write_next();
  }

 private:
  void watch() {
    // Clients never send after the request; any read completion means close.
    sock_.async_read_some(
        asio::buffer(scratch_),
        [self = this->shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }
  void schedule_ping() {
    ping_.expires_after(std::chrono::seconds(15));
    ping_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->queue_.push_back(": ping\n\n");
      if (self->queue_.size() == 1) self->write_next();
      self->schedule_ping();
    });
  }
  void write_next() {
    if (queue_.empty() || closed_) return;
    asio::async_write(sock_, asio::buffer(queue_.front()),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        self->queue_.pop_front();
                        self->write_next();
                      });
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    if (!alive_.expired()) svc_.unsubscribe(id_);
    ping_.cancel();
    beast::error_code ec;
    beast::get_lowest_layer(sock_).socket().close(ec);
  }

  Stream sock_;
  Service& svc_;
  std::weak_ptr<void> alive_;
  Slot slot_;
  asio::steady_timer ping_;
  std::array<char, 256> scratch_{};
  std::deque<std::string> queue_;
  std::uint64_t id_ = 0;
  bool closed_ = false;
};

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  template <class... A>
  HttpSession(Service& svc, Slot slot, Duration idle, tcp::socket s, A&&... a)
      : stream_(std::move(s), std::forward<A>(a)...),
        svc_(svc),
        slot_(std::move(slot)),
        idle_(idle) {
    beast::error_code ec;
    auto ep = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    ip_ = ec ? std::string("?") : ep.address().to_string();
  }
  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(
          std::min<Duration>(idle_, std::chrono::seconds(30)));
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read();
                              });
    }
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    beast::get_lowest_layer(stream_).expires_after(idle_);
    http::async_read(stream_, buf_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec == http::error::end_of_stream) return self->shutdown();
                       if (ec == http::error::body_limit)
                         return self->reject(413, "request body too large (limit 64 KiB)");
                       if (ec == http::error::header_limit)
                         return self->reject(431, "request headers too large (limit 8 KiB)");
                       if (ec) return self->shutdown();
                       self->dispatch();
                     });
  }

  void reject(int status, std::string_view msg) {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::server, "wirelink-coordinator");
    res.set(http::field::content_type, "application/json");
    res.body() = wire::error_json(coord_errc::bad_request, msg);
    res.keep_alive(false);
    res.prepare_payload();
    auto sp = std::make_shared<http::response<http::string_body>>(std::move(res));
    http::async_write(
        stream_, *sp,
        [self = this->shared_from_this(), sp](beast::error_code, std::size_t) { self->linger(); });
  }

  // After refusing a request whose rest is still arriving: closing at once with unread data
  // would reset the connection and could destroy the answer before the client reads it, so
  // end our side and read (and drop) what comes until the client closes, for up to 2 s.
  void linger() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.expires_after(std::chrono::seconds(2));
      drain();
    } else {
      shutdown();
    }
  }
  void drain() {
    beast::get_lowest_layer(stream_).async_read_some(
        asio::buffer(scratch_),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          if (ec) return self->close();
          self->drain();
        });
  }

  void dispatch() {
    auto req = parser_->release();
    std::string_view target(req.target().data(), req.target().size());
    const std::string path(target.substr(0, target.find('?')));
    const std::string auth(req[http::field::authorization]);
    if (path == "/api/v1/events" && req.method() == http::verb::get)
      return events(std::move(req), auth);
    const bool keep = req.keep_alive();
    const bool head = req.method() == http::verb::head;
    beast::get_lowest_layer(stream_).expires_never();
    svc_.handle(std::string_view(req.method_string().data(), req.method_string().size()), path, ip_,
                auth, req.body(), [self = this->shared_from_this(), keep, head](Reply r) {
                  self->respond(std::move(r), keep, head);
                });
  }

  void events(http::request<http::string_body> req, const std::string& auth) {
    const bool ws = websocket::is_upgrade(req);
    // Authenticate before upgrading, so a refusal is a plain HTTP error with a JSON body. The
    // sink is filled right after (same thread, so no event can arrive in between).
    auto sink = std::make_shared<std::function<void(const std::string&)>>();
    auto sub = svc_.subscribe(ip_, auth, [sink](const std::string& json) {
      if (*sink) (*sink)(json);
    });
    if (auto* err = std::get_if<Reply>(&sub)) return respond(std::move(*err), false);
    beast::get_lowest_layer(stream_).expires_never();
    const auto id = std::get<std::uint64_t>(sub);
    if (ws) {
      auto w = std::make_shared<WsStream<Stream>>(std::move(stream_), svc_, std::move(slot_));
      *sink = [weak = std::weak_ptr<WsStream<Stream>>(w)](const std::string& json) {
        if (auto p = weak.lock()) p->send(json);
      };
      w->start(std::move(req), id);
    } else {
      auto e = std::make_shared<SseStream<Stream>>(std::move(stream_), svc_, std::move(slot_));
      *sink = [weak = std::weak_ptr<SseStream<Stream>>(e)](const std::string& json) {
        if (auto p = weak.lock()) p->send(json);
      };
      e->start(id);
    }
  }

  // `head`: answer a HEAD request: the GET answer's headers (its Content-Length too), no body.
  void respond(Reply r, bool keep, bool head = false) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "wirelink-coordinator");
    res->set(http::field::content_type, r.content_type);
    if (r.status == 429 || r.status == 503) res->set(http::field::retry_after, "1");
    if (r.status == 405) res->set(http::field::allow, "GET, HEAD");  // only /healthz & co.
    res->keep_alive(keep);
    if (head) {
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    http::async_write(
        stream_, *res,
        [self = this->shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
          if (ec || !keep) return self->shutdown();
          self->read();
        });
  }

  void shutdown() {
    beast::error_code ec;
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    } else {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown(
          [self = this->shared_from_this()](beast::error_code) { self->close(); });
    }
  }
  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().close(ec);
  }

  Stream stream_;
  Service& svc_;
  Slot slot_;
  Duration idle_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string ip_;
  std::array<char, 4096> scratch_{};
};

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, Service& svc, HttpLimits limits)
    : ioc_(ioc), svc_(svc), limits_(limits) {}

HttpServer::~HttpServer() {
  stop();
}

Result<void> HttpServer::enable_tls(const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  beast::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                   ec);
  if (!ec) ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) return Error{ec, "TLS certificate " + cert_file};
  ctx->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) return Error{ec, "TLS key " + key_file};
  tls_ = std::move(ctx);
  return {};
}

Result<tcp::endpoint> HttpServer::listen(const tcp::endpoint& at) {
  listener_ = std::make_shared<Listener>(ioc_, limits_.max_connections,
                                         [this](tcp::socket s, std::shared_ptr<void> slot) {
                                           on_accept(std::move(s), std::move(slot));
                                         });
  return listener_->listen(at);
}

void HttpServer::stop() {
  if (listener_) listener_->stop();
}

void HttpServer::on_accept(tcp::socket s, std::shared_ptr<void> slot) {
  beast::error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  if (tls_)
    std::make_shared<HttpSession<beast::ssl_stream<beast::tcp_stream>>>(
        svc_, std::move(slot), limits_.idle, std::move(s), *tls_)
        ->start();
  else
    std::make_shared<HttpSession<beast::tcp_stream>>(svc_, std::move(slot), limits_.idle,
                                                     std::move(s))
        ->start();
}

}  // namespace wl::coordinator::server
