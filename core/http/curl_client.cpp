// The libcurl HttpClient. One easy handle is reused for sequential requests (keep-alive);
// send_all() drives several easy handles through a multi handle. All handles share one
// connection cache, so a connection opened by send() is reused by send_all() and back.
// Not thread-safe by design: the engine gives each connector its own client.
#include "core/http/http_client.hpp"
#include "core/http/request_observer.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

namespace coopsync::http {
namespace {

void global_init_once() {
  static std::once_flag flag;
  std::call_once(flag, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Per-transfer state the callbacks fill.
struct Transfer {
  const Request* request = nullptr;
  Response response;
  std::size_t limit = 0;
  bool oversize = false;
  curl_slist* headers = nullptr;
  std::string auth_header_name;

  ~Transfer() {
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  if (t->response.body.size() + n > t->limit) {
    t->oversize = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    t->response.headers.clear();  // a new status line (100-continue, redirect): start over
    return n;
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  if (t->response.headers.size() < 256) {  // a hostile server cannot grow this unboundedly
    t->response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return n;
}

Error transport_error(CURLcode code, const Transfer& t, const std::string& system) {
  const std::string where = (system.empty() ? std::string() : system + ": ") + t.request->method +
                            " " + t.request->url.substr(0, t.request->url.find('?'));
  if (t.oversize) {
    return make_error(ErrorKind::kInvalidInput,
                      where + ": response larger than " + std::to_string(t.limit) + " bytes");
  }
  const std::string text = where + ": " + curl_easy_strerror(code);
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return make_error(ErrorKind::kPermanent, text);
    default:
      return make_error(ErrorKind::kTransient, text);  // refused, reset, timeout, DNS...
  }
}

class CurlClient final : public HttpClient {
 public:
  explicit CurlClient(ClientOptions options) : options_(std::move(options)) {
    global_init_once();
    share_ = curl_share_init();
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    easy_ = curl_easy_init();
    multi_ = curl_multi_init();
  }
  ~CurlClient() override {
    curl_easy_cleanup(easy_);
    curl_multi_cleanup(multi_);
    curl_share_cleanup(share_);
  }

  Result<Response> send(const Request& request) override {
    Transfer t;
    curl_easy_reset(easy_);
    prepare(easy_, request, t);
    const CURLcode code = curl_easy_perform(easy_);
    return finish(easy_, code, t);
  }

  std::vector<Result<Response>> send_all(const std::vector<Request>& requests,
                                         std::size_t max_in_flight) override {
    std::vector<Result<Response>> results(requests.size(),
                                          make_error(ErrorKind::kInternal, "not sent"));
    std::vector<std::unique_ptr<Transfer>> transfers(requests.size());
    std::vector<CURL*> handles(requests.size(), nullptr);
    max_in_flight = std::max<std::size_t>(1, max_in_flight);
    std::size_t next = 0, running = 0;
    auto start_next = [&] {
      while (next < requests.size() && running < max_in_flight) {
        transfers[next] = std::make_unique<Transfer>();
        handles[next] = curl_easy_init();
        prepare(handles[next], requests[next], *transfers[next]);
        curl_easy_setopt(handles[next], CURLOPT_PRIVATE, reinterpret_cast<void*>(next));
        curl_multi_add_handle(multi_, handles[next]);
        ++next;
        ++running;
      }
    };
    start_next();
    while (running > 0) {
      int still = 0;
      curl_multi_perform(multi_, &still);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
        if (msg->msg != CURLMSG_DONE) continue;
        void* priv = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
        const auto i = reinterpret_cast<std::size_t>(priv);
        results[i] = finish(msg->easy_handle, msg->data.result, *transfers[i]);
        curl_multi_remove_handle(multi_, msg->easy_handle);
        curl_easy_cleanup(msg->easy_handle);
        transfers[i].reset();
        --running;
      }
      start_next();
      if (running > 0) curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
    }
    return results;
  }

 private:
  void prepare(CURL* h, const Request& request, Transfer& t) {
    t.request = &request;
    t.limit = options_.max_response_bytes;
    curl_easy_setopt(h, CURLOPT_SHARE, share_);
    curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);  // a redirect is the connector's business
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(h, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // whatever curl can decode
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    if (!request.basic_user.empty()) {
      curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(h, CURLOPT_USERNAME, request.basic_user.c_str());
      curl_easy_setopt(h, CURLOPT_PASSWORD, request.basic_password.c_str());
    }
    t.headers = curl_slist_append(t.headers, "Expect:");  // no 100-continue round trip
    for (const auto& [k, v] : request.headers) {
      t.headers = curl_slist_append(t.headers, (k + ": " + v).c_str());
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, t.headers);
    if (request.method == "GET" && request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      if (request.method != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    }
  }

  Result<Response> finish(CURL* h, CURLcode code, Transfer& t) {
    curl_off_t micros = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &micros);
    t.response.elapsed = std::chrono::microseconds(micros);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    t.response.status = static_cast<int>(status);
    observe_request(options_.system, t.request->method, code == CURLE_OK ? t.response.status : 0,
                    t.response.elapsed);
    if (code != CURLE_OK) return transport_error(code, t, options_.system);
    return std::move(t.response);
  }

  ClientOptions options_;
  CURLSH* share_ = nullptr;
  CURL* easy_ = nullptr;
  CURLM* multi_ = nullptr;
};

}  // namespace

HttpClientPtr make_curl_client(const ClientOptions& options) {
  return std::make_unique<CurlClient>(options);
}

}  // namespace coopsync::http
