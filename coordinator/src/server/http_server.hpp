// HttpServer: the coordinator's HTTP/1.1 transport on Boost.Beast (keep-alive JSON requests,
// WebSocket and text/event-stream event streams), plain or TLS, feeding a Service.
//
// Contract: all I/O runs on the single io_context thread that also owns the Service; no
// locks. Request bodies are capped at 64 KiB (413) and headers at 8 KiB (431); connections idle
// for HttpLimits::idle close. At most HttpLimits::max_connections are open at once (event
// streams included): beyond that, and whenever accept fails for want of descriptors
// (EMFILE/ENFILE), the server stops accepting for a moment instead of spinning, logs it at most
// once a minute, and keeps serving the connections it has. Never throws out of handlers; socket
// errors close that connection only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "listener.hpp"
#include "service.hpp"

namespace wl::coordinator::server {

struct HttpLimits {
  std::size_t max_connections = 4096;
  Duration idle = std::chrono::seconds(60);
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, Service& svc, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  // Serve HTTPS (TLS 1.2+) with a PEM certificate chain and private key. Before listen().
  Result<void> enable_tls(const std::string& cert_file, const std::string& key_file);
  // Binds and listens; returns the bound endpoint (port 0 picks an ephemeral port).
  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& at);
  void stop();

 private:
  void on_accept(boost::asio::ip::tcp::socket s, std::shared_ptr<void> slot);
  boost::asio::io_context& ioc_;
  Service& svc_;
  HttpLimits limits_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<Listener> listener_;
};

}  // namespace wl::coordinator::server
