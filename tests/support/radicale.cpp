#include "tests/support/radicale.hpp"

#include "tests/support/fixtures.hpp"
#include "tests/support/sim_process.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace coopsync::testing {
namespace {

// A port the kernel considers free right now. Radicale binds it a moment later; the rare
// race with another process is handled by retrying with a new port.
int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot pick a free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

bool can_connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

std::string tail(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

bool RadicaleServer::available() {
  return std::system("/usr/bin/python3 -c 'import radicale' >/dev/null 2>&1") == 0;
}

RadicaleServer::RadicaleServer(const std::map<std::string, std::string>& users) {
  dir_ = make_temp_dir("coopsync-radicale");
  {
    std::ofstream out(dir_ / "users");
    for (const auto& [name, password] : users) out << name << ':' << password << '\n';
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (try_start(free_port())) return;
  }
  const std::string log = tail(dir_ / "log");
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("radicale did not start: " + log);
}

bool RadicaleServer::try_start(int port) {
  {
    std::ofstream cfg(dir_ / "config");
    cfg << "[server]\nhosts = 127.0.0.1:" << port << "\n"
        << "[auth]\ntype = htpasswd\nhtpasswd_filename = " << (dir_ / "users").string()
        << "\nhtpasswd_encryption = plain\n"
        << "[rights]\ntype = owner_only\n"
        << "[storage]\nfilesystem_folder = " << (dir_ / "collections").string() << "\n"
        << "[web]\ntype = none\n"
        << "[logging]\nlevel = warning\n";
  }
  const std::string config = (dir_ / "config").string();
  const std::string log = (dir_ / "log").string();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      close(fd);
    }
    // --config replaces /etc/radicale/config (Debian's uses remote_user auth).
    execl("/usr/bin/python3", "python3", "-m", "radicale", "--config", config.c_str(),
          static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // exited: port taken or bad setup
      pid_ = -1;
      return false;
    }
    if (can_connect(port)) {
      port_ = port;
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop();
  return false;
}

RadicaleServer::~RadicaleServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void RadicaleServer::stop() { terminate_child(pid_, std::chrono::seconds(2)); }

}  // namespace coopsync::testing
