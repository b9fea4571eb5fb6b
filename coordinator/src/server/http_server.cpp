#include "http_server.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
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

constexpr std::size_t kBodyLimit = 64 * 1024;
constexpr auto kIdle = std::chrono::seconds(60);

// A WebSocket event stream: text frames, one JSON event each.
class WsStream : public std::enable_shared_from_this<WsStream> {
 public:
  WsStream(tcp::socket s, Service& svc) : ws_(std::move(s)), svc_(svc), alive_(svc.alive()) {}
  ~WsStream() {
    if (!alive_.expired()) svc_.unsubscribe(id_);
  }

  void start(http::request<http::string_body> req, std::uint64_t id) {
    id_ = id;
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& r) {
      r.set(http::field::server, "wirelink-coordinator");
    }));
    ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) {
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
    ws_.async_read(in_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->in_.consume(self->in_.size());  // clients have nothing to say; ignore frames
      self->read();
    });
  }
  void write_next() {
    if (queue_.empty() || closed_) return;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
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

  websocket::stream<beast::tcp_stream> ws_;
  Service& svc_;
  std::weak_ptr<void> alive_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  std::uint64_t id_ = 0;
  bool open_ = false, closed_ = false;
};

// The text/event-stream variant: "data: <json>\n\n" per event, ": ping" every 15 s.
class SseStream : public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(tcp::socket s, Service& svc)
      : sock_(std::move(s)), svc_(svc), alive_(svc.alive()), ping_(sock_.get_executor()) {}
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
    sock_.async_read_some(asio::buffer(scratch_), [self = shared_from_this()](beast::error_code, std::size_t) {
      self->close();
    });
  }
  void schedule_ping() {
    ping_.expires_after(std::chrono::seconds(15));
    ping_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      self->queue_.push_back(": ping\n\n");
      if (self->queue_.size() == 1) self->write_next();
      self->schedule_ping();
    });
  }
  void write_next() {
    if (queue_.empty() || closed_) return;
    asio::async_write(sock_, asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
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
    sock_.close(ec);
  }

  tcp::socket sock_;
  Service& svc_;
  std::weak_ptr<void> alive_;
  asio::steady_timer ping_;
  std::array<char, 256> scratch_{};
  std::deque<std::string> queue_;
  std::uint64_t id_ = 0;
  bool closed_ = false;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket s, Service& svc) : stream_(std::move(s)), svc_(svc) {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    ip_ = ec ? std::string("?") : ep.address().to_string();
  }
  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(8 * 1024);
    stream_.expires_after(kIdle);
    http::async_read(stream_, buf_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::end_of_stream) return self->shutdown();
      if (ec == http::error::body_limit) return self->reject(413, "request body too large");
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
    http::async_write(stream_, *sp, [self = shared_from_this(), sp](beast::error_code, std::size_t) { self->shutdown(); });
  }

  void dispatch() {
    auto req = parser_->release();
    std::string_view target(req.target().data(), req.target().size());
    const std::string path(target.substr(0, target.find('?')));
    const std::string auth(req[http::field::authorization]);
    if (path == "/api/v1/events" && req.method() == http::verb::get) return events(std::move(req), auth);
    const bool keep = req.keep_alive();
    stream_.expires_never();
    svc_.handle(std::string_view(req.method_string().data(), req.method_string().size()), path, ip_, auth, req.body(),
                [self = shared_from_this(), keep](Reply r) { self->respond(std::move(r), keep); });
  }

  void events(http::request<http::string_body> req, const std::string& auth) {
    const bool ws = websocket::is_upgrade(req);
    // Authenticate before upgrading, so a refusal is a plain HTTP error with a JSON body. The
    // holder is filled right after (same thread, so no event can arrive in between).
    struct Holder {
      std::weak_ptr<WsStream> ws;
      std::weak_ptr<SseStream> sse;
    };
    auto holder = std::make_shared<Holder>();
    auto sub = svc_.subscribe(ip_, auth, [holder](const std::string& json) {
      if (auto w = holder->ws.lock()) w->send(json);
      if (auto s = holder->sse.lock()) s->send(json);
    });
    if (auto* err = std::get_if<Reply>(&sub)) return respond(std::move(*err), false);
    stream_.expires_never();
    const auto id = std::get<std::uint64_t>(sub);
    if (ws) {
      auto w = std::make_shared<WsStream>(stream_.release_socket(), svc_);
      holder->ws = w;
      w->start(std::move(req), id);
    } else {
      auto s = std::make_shared<SseStream>(stream_.release_socket(), svc_);
      holder->sse = s;
      s->start(id);
    }
  }

  void respond(Reply r, bool keep) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "wirelink-coordinator");
    res->set(http::field::content_type, r.content_type);
    if (r.status == 429 || r.status == 503) res->set(http::field::retry_after, "1");
    res->body() = std::move(r.body);
    res->keep_alive(keep);
    res->prepare_payload();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
      if (ec || !keep) return self->shutdown();
      self->read();
    });
  }

  void shutdown() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  Service& svc_;
  beast::flat_buffer buf_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string ip_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& ioc, Service& svc) : ioc_(ioc), svc_(svc), acceptor_(ioc) {}

Result<tcp::endpoint> HttpServer::listen(const tcp::endpoint& at) {
  beast::error_code ec;
  acceptor_.open(at.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(at, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Error{ec, "cannot listen on " + at.address().to_string() + ":" + std::to_string(at.port())};
  accept();
  return acceptor_.local_endpoint();
}

void HttpServer::stop() {
  beast::error_code ec;
  acceptor_.close(ec);
}

void HttpServer::accept() {
  acceptor_.async_accept(ioc_, [this](beast::error_code ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      s.set_option(tcp::no_delay(true), ec);
      std::make_shared<HttpSession>(std::move(s), svc_)->start();
    }
    accept();
  });
}

}  // namespace wl::coordinator::server
