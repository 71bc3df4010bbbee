// The daemon's event loop: one io_context thread serving HTTP (Boost.Beast), the schedule's
// timers and the signals. Passes run on the Worker's thread. Beast and Asio live in this
// translation unit only (they are costly to compile).
#include "core/daemon/daemon.hpp"

#include "core/daemon/routes.hpp"
#include "core/http/request_observer.hpp"
#include "core/util/logging.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/logger.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace coopsync::daemon {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxHeader = 8 * 1024;
constexpr std::size_t kMaxBody = 64 * 1024;
constexpr auto kIoTimeout = std::chrono::seconds(10);

// One request per connection (Connection: close): enough for probes, webhooks and the CLI.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Router& router) : stream_(std::move(socket)), router_(router) {}

  void start() {
    parser_.emplace();
    parser_->header_limit(kMaxHeader);
    parser_->body_limit(kMaxBody);
    stream_.expires_after(kIoTimeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit) {
      return send(HttpResponse{413, "application/json", "{\"error\": \"request too large\"}\n"});
    }
    if (ec) return close();  // timeout, malformed request, peer gone
    auto& msg = parser_->get();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.body = msg.body();
    req.secret_header = std::string(msg["X-Coopsync-Secret"]);
    req.authorization = std::string(msg[bhttp::field::authorization]);
    auto self = shared_from_this();
    router_.handle(req, [self](HttpResponse res) {
      // The reply may come from the worker thread: hop back to the io thread.
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable { self->send(std::move(res)); });
    });
  }

  void send(HttpResponse res) {
    response_.result(static_cast<unsigned>(res.status));
    response_.version(11);
    response_.set(bhttp::field::server, "coopsync");
    response_.set(bhttp::field::content_type, res.content_type);
    response_.set(bhttp::field::connection, "close");
    response_.body() = std::move(res.body);
    response_.prepare_payload();
    stream_.expires_after(kIoTimeout);
    bhttp::async_write(stream_, response_,
                       [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  Router& router_;
};

class Server {
 public:
  Server(asio::io_context& ioc, Worker& worker, Router& router, std::shared_ptr<spdlog::logger> log)
      : ioc_(ioc), acceptor_(ioc), signals_(ioc, SIGTERM, SIGINT, SIGHUP), worker_(worker), router_(router),
        log_(std::move(log)) {}

  bool listen(const tcp::endpoint& endpoint, std::ostream& err) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      err << "cannot listen on " << endpoint << ": " << ec.message() << "\n";
      return false;
    }
    return true;
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

  void start(const Settings& settings) {
    accept();
    wait_signal();
    schedule(settings);
  }

  // Each enabled system gets a timer reading its change feeds every poll_interval, and one
  // reading it whole on its slower full-read schedule (SystemSchedule).
  void schedule(const Settings& settings) {
    for (auto& [key, timer] : timers_) timer->cancel();
    timers_.clear();
    for (const auto& [name, when] : settings.schedule) {
      const std::pair<Reads, std::chrono::milliseconds> timers[] = {{Reads::kFeeds, when.feeds},
                                                                     {Reads::kWhole, when.whole}};
      for (const auto& [reads, interval] : timers) {
        if (interval.count() <= 0) continue;
        const TimerKey key{name, reads};
        timers_[key] = std::make_unique<asio::steady_timer>(ioc_);
        arm(key, interval);
      }
    }
  }

 private:
  using TimerKey = std::pair<std::string, Reads>;

  void arm(const TimerKey& key, std::chrono::milliseconds interval) {
    auto it = timers_.find(key);
    if (it == timers_.end()) return;
    auto* timer = it->second.get();
    timer->expires_after(std::max(interval, std::chrono::milliseconds(100)));
    timer->async_wait([this, timer, key, interval](beast::error_code ec) {
      if (ec || stopping_) return;  // cancelled by a reload or a stop
      auto cur = timers_.find(key);
      if (cur == timers_.end() || cur->second.get() != timer) return;
      worker_.request_pass({key.first}, key.second);
      arm(key, interval);
    });
  }

  void accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (stopping_ || !acceptor_.is_open()) return;
      if (!ec) std::make_shared<Session>(std::move(socket), router_)->start();
      accept();
    });
  }

  void wait_signal() {
    signals_.async_wait([this](beast::error_code ec, int sig) {
      if (ec) return;
      if (sig == SIGHUP) {
        log_->info("SIGHUP: reloading the configuration");
        worker_.request_reload([this](std::optional<Settings> fresh) {
          if (!fresh) return;
          asio::post(ioc_, [this, s = std::move(*fresh)] {
            if (stopping_) return;
            router_.set_settings(s);
            schedule(s);
          });
        });
        return wait_signal();
      }
      log_->info("{}: no new requests; finishing the pass in flight", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      stop();
    });
  }

  // Stops accepting and scheduling; the io_context runs out of work once the open
  // connections are answered or time out, and run_daemon then drains the worker.
  void stop() {
    stopping_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    signals_.cancel(ignored);
    for (auto& [key, timer] : timers_) timer->cancel();
  }

  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  Worker& worker_;
  Router& router_;
  std::shared_ptr<spdlog::logger> log_;
  std::map<TimerKey, std::unique_ptr<asio::steady_timer>> timers_;
  bool stopping_ = false;
};

// "host:port", "[v6]:port"; host may be "localhost".
std::optional<tcp::endpoint> parse_listen(const std::string& listen, std::ostream& err) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) {
    err << "daemon.listen '" << listen << "': expected host:port\n";
    return std::nullopt;
  }
  std::string host = listen.substr(0, colon);
  const std::string port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    err << "daemon.listen '" << listen << "': the port must be a number from 0 to 65535\n";
    return std::nullopt;
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    err << "daemon.listen '" << listen << "': '" << host << "' is not an IP address\n";
    return std::nullopt;
  }
  return tcp::endpoint(address, static_cast<unsigned short>(port));
}

}  // namespace

int run_daemon(const DaemonArgs& args, std::ostream& err) {
  auto rt = load_runtime(args.config_path, err);
  if (!rt) return 2;
  auto endpoint = parse_listen(rt->settings.listen, err);
  if (!endpoint) return 2;
  if (!endpoint->address().is_loopback() && !args.allow_non_loopback) {
    err << "daemon.listen " << rt->settings.listen
        << " is not a loopback address; the endpoint has no TLS. Put it behind a reverse proxy and pass "
           "--allow-non-loopback to listen there anyway\n";
    return 2;
  }
  if (rt->settings.webhook_secret.empty()) err << "daemon.webhook_secret is not set: webhooks will be refused\n";
  if (rt->settings.control_token.empty()) err << "daemon.control_token_file is not set: the control API is off\n";

  auto log = util::make_logger("daemon");
  const Settings settings = rt->settings;
  asio::io_context ioc{1};
  Metrics metrics;
  http::set_request_observer([&metrics](const std::string& system, const std::string&, int,
                                        std::chrono::microseconds elapsed) { metrics.observe_http(system, elapsed); });
  int code = 0;
  {
    Worker worker(std::move(rt), metrics);
    Router router(worker, metrics, settings, log);
    Server server(ioc, worker, router, log);
    if (!server.listen(*endpoint, err)) {
      code = 2;
    } else {
      if (!args.port_file.empty()) {
        std::ofstream pf(args.port_file + ".tmp");
        pf << server.port() << "\n";
        pf.close();
        std::rename((args.port_file + ".tmp").c_str(), args.port_file.c_str());
      }
      log->info("listening on {}:{}", endpoint->address().to_string(), server.port());
      worker.start();
      worker.request_pass({}, Reads::kWhole);  // everything first, then each system's schedule
      server.start(settings);
      ioc.run();
      worker.drain_and_join();
      log->info("stopped");
    }
  }
  http::set_request_observer(nullptr);
  return code;
}

}  // namespace coopsync::daemon
