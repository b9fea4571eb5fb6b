// HttpServer: the coordinator's HTTP/1.1 transport on Boost.Beast (keep-alive JSON requests,
// WebSocket and text/event-stream event streams), plain or TLS, feeding a Service.
//
// Contract: all I/O runs on the single io_context thread that also owns the Service; no
// locks. Request bodies are capped at 64 KiB and headers at 8 KiB; idle connections close
// after 60 s. Never throws out of handlers; socket errors close that connection only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>

#include "service.hpp"

namespace wl::coordinator::server {

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& ioc, Service& svc);
  // Serve HTTPS (TLS 1.2+) with a PEM certificate chain and private key. Before listen().
  Result<void> enable_tls(const std::string& cert_file, const std::string& key_file);
  // Binds and listens; returns the bound endpoint (port 0 picks an ephemeral port).
  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& at);
  void stop();

 private:
  void accept();
  boost::asio::io_context& ioc_;
  Service& svc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
};

}  // namespace wl::coordinator::server
