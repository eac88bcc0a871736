// Listening pairs that hand Gloo only a peer that proves itself.
//
// Gloo's TCP pair (this Gloo: one listening socket per pair) accepts the FIRST connection on its
// port, closes the listening socket and takes whoever connected for its peer, with no handshake
// (tcp::Pair::handleListening). Any local process that connects during setup (a port scanner,
// `nc` sending garbage or nothing) therefore broke the job every time: the real peer's dial is
// refused ("connect ...: Connection refused"), and the pair talks to the stranger ("Connection
// closed by peer", garbage read as Gloo's framing, or a wait until the timeout).
//
// Gloo offers no hook for this, and a stranger cannot be told apart by address (it shares
// 127.0.0.1, and the dialer's port is the kernel's choice). So each pair takes a random token that
// travels with its address over ccbench's authenticated control plane (or, for sub-communicators,
// over the parent's pairs). The dialing side sends the token before anything else; the listening
// side keeps listening, reads what each connection sends first without blocking, and hands Gloo
// only the one that sent the token, closing the others. A pair subclass does it by taking over the
// two setup states of tcp::Pair::handleEvents (LISTENING, CONNECTING) with Gloo's own protected
// members, then doing what Gloo's own accept / connect do next; once connected, every event goes
// to Gloo's handler as before, behind one atomic load: the data path is unchanged. Debian's
// libgloo-dev lacks a header that tcp/pair.h needs: compat/gloo/common/memory.h stands in.
//
// A Gloo with tcp/listener.h (newer than Debian's) accepts on one socket per device and, as far
// as we know, pairs each connection by a sequence number that the dialer sends first. Its
// internals differ from what the subclass below relies on, so it keeps Gloo's plain pairs and no
// token (untested here).
#include "gloo_impl.h"

#if __has_include(<gloo/transport/tcp/listener.h>)

namespace ccb::gloo {

std::shared_ptr<::gloo::transport::Context> guardedContext(const std::shared_ptr<::gloo::transport::Device>& dev,
                                                           int rank, int size) {
  auto tc = dev->createContext(rank, size);
  tc->setTimeout(kTimeout);
  for (int j = 0; j < size; ++j)
    if (j != rank) tc->createPair(j);
  return tc;
}

const Token& listenToken(::gloo::transport::Context&, int) {
  static const Token none{};
  return none;
}

void connectGuarded(::gloo::transport::Context& tc, int peer, const std::vector<char>& address, const Token&) {
  tc.getPair(peer)->connect(address);
}

}  // namespace ccb::gloo

#else

#include <fcntl.h>
#include <gloo/transport/tcp/context.h>
#include <gloo/transport/tcp/device.h>
#include <gloo/transport/tcp/pair.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

namespace ccb::gloo {
namespace {

namespace tcp = ::gloo::transport::tcp;

#ifdef CCBENCH_GLOO_MEMORY_SHIM  // compat/gloo/common/memory.h: the layout must be the library's
static_assert(sizeof(tcp::Pair) == 0x380,
              "tcp::Pair's size differs from Debian's libgloo0 0.0~git20220518 (operator new(0x380) in "
              "tcp::Context::createPair): native/comm/compat/gloo/common/memory.h does not fit this Gloo");
#endif

Token randomToken() {
  std::random_device rd;  // the kernel's random source
  Token t;
  for (size_t i = 0; i < t.size(); i += 4) {
    const uint32_t v = rd();
    std::memcpy(t.data() + i, &v, 4);
  }
  return t;
}

// "host:port" (Address::str() of this Gloo prints the port in network byte order).
std::string hostPort(const tcp::Address& a) {
  const sockaddr_storage& ss = a.getSockaddr();
  char h[NI_MAXHOST] = "?", p[NI_MAXSERV] = "?";
  const socklen_t len = ss.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  getnameinfo(reinterpret_cast<const sockaddr*>(&ss), len, h, sizeof(h), p, sizeof(p), NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(h) + ":" + p;
}

class GuardedPair final : public tcp::Pair {
 public:
  GuardedPair(tcp::Context* c, tcp::Device* d, int rank, std::chrono::milliseconds timeout)
      : tcp::Pair(c, d, rank, timeout), mine_(randomToken()) {
    std::lock_guard<std::mutex> lock(m_);
    if (state_ == LISTENING) fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);  // accept() never waits
  }

  ~GuardedPair() override {
    std::lock_guard<std::mutex> lock(m_);
    dropStrangers();  // not the loop thread: each waits for a loop tick, and only strays are left
  }

  // The base constructor already listened, with Gloo's own handler until ours took over: a
  // connection that came in that instant (before anyone was told the address) may have been
  // taken. Such a pair is replaced.
  bool listening() {
    std::lock_guard<std::mutex> lock(m_);
    return state_ == LISTENING;
  }

  const Token& token() const { return mine_; }

  void connectTo(const std::vector<char>& address, const Token& theirs) {
    theirs_ = theirs;
    tcp::Pair::connect(address);  // Gloo decides who dials; the waits and errors are its own
  }

  void handleEvents(int events) override {
    if (open_.load(std::memory_order_acquire)) return tcp::Pair::handleEvents(events);
    std::unique_lock<std::mutex> lock(m_, std::try_to_lock);
    if (!lock) return;  // as Gloo does: the holder may be waiting for this loop; events repeat
    if (state_ == LISTENING) return acceptStrangers();
    if (state_ == CONNECTING) return finishDial();
    lock.unlock();
    tcp::Pair::handleEvents(events);
  }

 private:
  // A connection that has not yet sent the pair's token.
  struct Stranger final : tcp::Handler {
    Stranger(GuardedPair* p, int f) : pair(p), fd(f) {}
    void handleEvents(int) override { pair->fromStranger(*this); }
    GuardedPair* pair;
    int fd;  // −1 once dropped or adopted
    size_t got = 0;
    Token buf{};
  };

  // Loop thread, pair locked, from here on.
  void acceptStrangers() {
    for (;;) {
      const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
      if (fd < 0) return;  // none left (or out of descriptors: the event comes again)
      strangers_.push_back(std::make_unique<Stranger>(this, fd));
      device_->registerDescriptor(fd, EPOLLIN, strangers_.back().get());
    }
  }

  void fromStranger(Stranger& s) {
    std::unique_lock<std::mutex> lock(m_, std::try_to_lock);
    if (!lock || s.fd < 0) return;
    if (state_ != LISTENING) return drop(s);  // connected, dialing, or closed: strangers go
    const ssize_t r = ::recv(s.fd, s.buf.data() + s.got, s.buf.size() - s.got, 0);  // no more: the rest is Gloo's
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (r <= 0) return drop(s);  // closed or broken
    s.got += size_t(r);
    if (s.got < s.buf.size()) return;
    unsigned char diff = 0;
    for (size_t i = 0; i < s.buf.size(); ++i) diff |= s.buf[i] ^ mine_[i];
    if (diff != 0) return drop(s);
    // The peer: from here on, exactly what Gloo's own accept does next.
    const int fd = s.fd;
    device_->unregisterDescriptor(fd, &s);
    s.fd = -1;
    device_->unregisterDescriptor(fd_, this);
    ::close(fd_);
    fd_ = fd;
    dropStrangers();
    handleConnected();
    open_.store(true, std::memory_order_release);
  }

  // The dial completed (or failed): the token goes first, then Gloo takes over.
  void finishDial() {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    for (size_t sent = 0; err == 0 && sent < theirs_.size();) {  // a fresh socket takes 16 B at once
      const ssize_t w = ::send(fd_, theirs_.data() + sent, theirs_.size() - sent, MSG_NOSIGNAL);
      if (w > 0) {
        sent += size_t(w);
      } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
        pollfd p{fd_, POLLOUT, 0};
        if (poll(&p, 1, 1000) <= 0) err = ETIMEDOUT;
      } else {
        err = w < 0 ? errno : EPIPE;
      }
    }
    if (err != 0) return signalException("connecting to Gloo peer " + hostPort(peer()) + ": " + std::strerror(err));
    dropStrangers();
    handleConnected();
    open_.store(true, std::memory_order_release);
  }

  void drop(Stranger& s) {
    device_->unregisterDescriptor(s.fd, &s);
    ::close(s.fd);
    s.fd = -1;
  }

  // Objects stay until the pair goes: a dropped one may still be in this tick's batch of events.
  void dropStrangers() {
    for (auto& s : strangers_)
      if (s->fd >= 0) drop(*s);
  }

  const Token mine_;  // what a peer dialing us must send
  Token theirs_{};    // what we send when we dial
  std::atomic<bool> open_{false};
  std::vector<std::unique_ptr<Stranger>> strangers_;
};

class GuardedContext final : public tcp::Context {
 public:
  using tcp::Context::Context;

  std::unique_ptr<::gloo::transport::Pair>& createPair(int rank) override {
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto p = std::make_unique<GuardedPair>(this, device_.get(), rank, getTimeout());
      if (p->listening()) {
        pairs_[size_t(rank)] = std::move(p);
        return pairs_[size_t(rank)];
      }
    }
    throw Error(ErrorKind::Internal,
                "Gloo: something on this machine keeps connecting to new listening ports at once; "
                "cannot open a listening socket for rank " +
                    std::to_string(rank));
  }
};

GuardedPair& guarded(::gloo::transport::Context& tc, int peer) { return dynamic_cast<GuardedPair&>(*tc.getPair(peer)); }

}  // namespace

std::shared_ptr<::gloo::transport::Context> guardedContext(const std::shared_ptr<::gloo::transport::Device>& dev,
                                                           int rank, int size) {
  auto tcpDev = std::dynamic_pointer_cast<tcp::Device>(dev);
  if (!tcpDev) throw Error(ErrorKind::Internal, "Gloo: not a TCP device");
  auto tc = std::make_shared<GuardedContext>(tcpDev, rank, size);
  tc->setTimeout(kTimeout);  // pairs take the context's timeout when they are created
  for (int j = 0; j < size; ++j)
    if (j != rank) tc->createPair(j);
  return tc;
}

const Token& listenToken(::gloo::transport::Context& tc, int peer) { return guarded(tc, peer).token(); }

void connectGuarded(::gloo::transport::Context& tc, int peer, const std::vector<char>& address, const Token& theirs) {
  guarded(tc, peer).connectTo(address, theirs);
}

}  // namespace ccb::gloo

#endif
