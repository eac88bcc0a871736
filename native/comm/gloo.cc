// The Gloo backend's bring-up: the TCP device, the two-phase full-mesh connect through address
// blobs that the control plane exchanges, sub-communicators, and the Backend object. The ops
// themselves live in gloo_ops.cc.
//
// Gloo's own rendezvous goes through a Store (file, Redis, in-process hash). We use none: each
// rank creates one listening pair per peer, its blob carries those addresses (and each pair's
// token, which a dialing peer must send first: gloo_guard.cc), and connect() dials them. Gloo's
// tcp pair decides by address order which side dials and which accepts (on the device's I/O
// thread), so ranks may connect in any order without deadlock.
#include "gloo.h"
#include "gloo_table.h"

#include <arpa/inet.h>
#include <gloo/config.h>
#include <gloo/transport/tcp/address.h>
#include <gloo/transport/tcp/device.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

#include "gloo_impl.h"

namespace ccb::gloo {
namespace {

namespace transport = ::gloo::transport;

constexpr char kMagic[4] = {'c', 'c', 'b', 'G'};
constexpr uint32_t kBlobVersion = 2;
constexpr const char* kDefaultHost = "127.0.0.1";

// A gloo::Context over pairs we connected ourselves. Its device and transport context are
// protected members that otherwise only Gloo's store-based rendezvous can set.
class MeshContext final : public ::gloo::Context {
 public:
  MeshContext(int rank, int size, std::shared_ptr<transport::Device> dev, std::shared_ptr<transport::Context> tc)
      : ::gloo::Context(rank, size) {
    device_ = std::move(dev);
    transportContext_ = std::move(tc);
    setTimeout(kTimeout);
  }
};

// The listening half of a mesh, kept between prepare() and connect().
struct Pending {
  int rank = 0, size = 1;
  std::shared_ptr<transport::Device> dev;
  std::shared_ptr<transport::Context> tc;
  size_t addrBytes = 0;
};

// Never destroyed: a device's I/O thread must not be joined during static destruction.
std::unique_ptr<Pending>& pending() {
  static auto* p = new std::unique_ptr<Pending>();
  return *p;
}

std::string hostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "?";
  return buf;
}

// Dials or accepts every pair, in rank order as Gloo's own rendezvous does.
void connectPairs(transport::Context& tc, int rank, int size,
                  const std::function<std::pair<std::vector<char>, Token>(int)>& peer) {
  for (int j = 0; j < size; ++j)
    if (j != rank) {
      const auto [address, token] = peer(j);
      connectGuarded(tc, j, address, token);
    }
}

bool isLoopback(const std::vector<char>& addr) {
  const sockaddr_storage ss = transport::tcp::Address(addr).getSockaddr();
  if (ss.ss_family == AF_INET) {
    sockaddr_in in;
    std::memcpy(&in, &ss, sizeof(in));
    return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
  }
  if (ss.ss_family == AF_INET6) {
    sockaddr_in6 in6;
    std::memcpy(&in6, &ss, sizeof(in6));
    return IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr);
  }
  return false;
}

// Blob: "ccbG", version, rank, size, address bytes, host name length, host name, then one record
// per rank: rank r's record j is the address r listens on for peer j and the token j must send
// (its own record is zeros). Integers are little-endian u32.
void put32(std::vector<char>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(char((v >> (8 * i)) & 0xff));
}

struct Blob {
  int rank = -1, size = 0;
  std::string host;
  std::vector<std::vector<char>> addrs;
  std::vector<Token> tokens;
};

Blob parseBlob(const std::vector<char>& b, int index) {
  const std::string who = "the Gloo address blob of rank " + std::to_string(index);
  auto bad = [&](const char* why) {
    return Error(ErrorKind::Internal, who + " is invalid (" + why + "); every rank must run the same ccbench build");
  };
  size_t at = 0;
  auto get32 = [&]() {
    if (b.size() < at + 4) throw bad("truncated");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(b[at + size_t(i)])) << (8 * i);
    at += 4;
    return v;
  };
  if (b.size() < 4 || std::memcmp(b.data(), kMagic, 4) != 0) throw bad("bad magic");
  at = 4;
  if (get32() != kBlobVersion) throw bad("unknown version");
  Blob out;
  out.rank = int(get32());
  out.size = int(get32());
  const size_t addrBytes = get32(), hostLen = get32();
  if (out.size < 1 || out.size > (1 << 20) || addrBytes > transport::Address::kMaxByteSize) throw bad("bad sizes");
  if (b.size() != at + hostLen + size_t(out.size) * (addrBytes + kTokenBytes)) throw bad("wrong length");
  out.host.assign(b.data() + at, hostLen);
  at += hostLen;
  for (int j = 0; j < out.size; ++j, at += addrBytes + kTokenBytes) {
    out.addrs.emplace_back(b.begin() + long(at), b.begin() + long(at + addrBytes));
    out.tokens.emplace_back();
    std::memcpy(out.tokens.back().data(), b.data() + at + addrBytes, kTokenBytes);
  }
  return out;
}

// Test only: CCBENCH_TEST_GLOO_SETUP_DELAY_MS=<ms> holds each rank that long with its listening
// sockets open, before its addresses go out, so that a test can connect to them (gloo-rogue test).
void setupDelayForTest() {
  if (const char* v = std::getenv("CCBENCH_TEST_GLOO_SETUP_DELAY_MS"))
    std::this_thread::sleep_for(std::chrono::milliseconds(std::strtol(v, nullptr, 10)));
}

class GlooBackend final : public Backend {
 public:
  explicit GlooBackend(std::unique_ptr<Comm> world) : world_(std::move(world)) {}
  const char* name() const override { return "gloo"; }
  std::string library() const override { return libraryVersion(); }
  Comm& world() override { return *world_; }

 private:
  std::unique_ptr<Comm> world_;
};

}  // namespace

[[noreturn]] void rethrow(const std::string& what) {
  try {
    throw;
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorKind::Internal, what + ": " + e.what());
  } catch (...) {
    throw Error(ErrorKind::Internal, what + ": unknown error");
  }
}

std::string libraryVersion() {
  return "Gloo " + std::to_string(GLOO_VERSION_MAJOR) + "." + std::to_string(GLOO_VERSION_MINOR) + "." +
         std::to_string(GLOO_VERSION_PATCH);
}

std::vector<char> prepare(int rank, int size, const std::string& host) {
  if (size < 1 || rank < 0 || rank >= size)
    throw Error(ErrorKind::Internal, "gloo::prepare: rank " + std::to_string(rank) + " of " + std::to_string(size));
  pending().reset();  // a second prepare() starts over
  auto p = std::make_unique<Pending>();
  p->rank = rank;
  p->size = size;
  const std::string bindHost = host.empty() ? kDefaultHost : host;
  // Resolve first: Gloo reads getaddrinfo's result even when the lookup failed.
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rv = getaddrinfo(bindHost.c_str(), nullptr, &hints, &res); rv != 0)
    throw Error(ErrorKind::Usage, "cannot resolve the Gloo host '" + bindHost + "' (" + gai_strerror(rv) +
                                      "); give an address or hostname of this machine");
  freeaddrinfo(res);
  try {
    p->dev = transport::tcp::CreateDevice(transport::tcp::attr(bindHost.c_str()));
  } catch (const std::exception& e) {
    throw Error(ErrorKind::Usage, "cannot bind Gloo's TCP transport to '" + bindHost + "' (" + e.what() +
                                      "); give an address or hostname of this machine");
  }
  std::vector<std::vector<char>> addrs(static_cast<size_t>(size));
  try {
    p->tc = guardedContext(p->dev, rank, size);
    for (int j = 0; j < size; ++j)
      if (j != rank) addrs[size_t(j)] = p->tc->getPair(j)->address().bytes();
  } catch (...) {
    rethrow("Gloo: opening listening sockets on " + bindHost);
  }
  const size_t addrBytes = size > 1 ? addrs[rank == 0 ? 1 : 0].size() : 0;
  p->addrBytes = addrBytes;
  const std::string me = hostName();
  std::vector<char> blob(kMagic, kMagic + 4);
  put32(blob, kBlobVersion);
  put32(blob, uint32_t(rank));
  put32(blob, uint32_t(size));
  put32(blob, uint32_t(addrBytes));
  put32(blob, uint32_t(me.size()));
  blob.insert(blob.end(), me.begin(), me.end());
  for (int j = 0; j < size; ++j) {
    auto& a = addrs[size_t(j)];
    if (j == rank) a.assign(addrBytes, 0);
    if (a.size() != addrBytes) throw Error(ErrorKind::Internal, "Gloo pair addresses differ in size");
    blob.insert(blob.end(), a.begin(), a.end());
    const Token t = j == rank ? Token{} : listenToken(*p->tc, j);
    blob.insert(blob.end(), t.begin(), t.end());
  }
  pending() = std::move(p);
  setupDelayForTest();
  return blob;
}

std::unique_ptr<Backend> connect(const std::vector<std::vector<char>>& blobs) {
  std::unique_ptr<Pending> p = std::move(pending());  // consumed even on failure: prepare again
  if (!p) throw Error(ErrorKind::Internal, "gloo::connect() called without gloo::prepare()");
  const int rank = p->rank, size = p->size;
  if (blobs.size() != size_t(size))
    throw Error(ErrorKind::Internal, "gloo::connect: expected " + std::to_string(size) + " address blobs, got " +
                                         std::to_string(blobs.size()));
  std::vector<Blob> all;
  for (int i = 0; i < size; ++i) {
    all.push_back(parseBlob(blobs[size_t(i)], i));
    const Blob& b = all.back();
    if (b.rank != i || b.size != size || b.addrs[0].size() != p->addrBytes)
      throw Error(ErrorKind::Internal, "the Gloo address blob at index " + std::to_string(i) + " is rank " +
                                           std::to_string(b.rank) + " of " + std::to_string(b.size) +
                                           "'s, or has other address sizes; every rank must run the same build");
  }
  // Loopback addresses only reach a peer on the same host. Every rank sees the same blobs and
  // so reaches the same verdict: all fail together rather than some hanging in connect.
  for (int i = 0; i < size && size > 1; ++i) {
    const Blob& b = all[size_t(i)];
    const bool loop = isLoopback(b.addrs[size_t(i == 0 ? 1 : 0)]);
    for (const Blob& other : all)
      if (loop && other.host != b.host)
        throw Error(ErrorKind::Usage, "rank " + std::to_string(i) + " on host " + b.host +
                                          " listens for Gloo on a loopback address, which ranks on host " + other.host +
                                          " cannot reach; give each rank a reachable address or hostname as its "
                                          "Gloo host");
  }
  try {
    connectPairs(*p->tc, rank, size, [&](int j) {
      return std::make_pair(all[size_t(j)].addrs[size_t(rank)], all[size_t(j)].tokens[size_t(rank)]);
    });
  } catch (...) {
    rethrow("Gloo: connecting rank " + std::to_string(rank) + " to its peers");
  }
  auto ctx = std::make_shared<MeshContext>(rank, size, p->dev, p->tc);
  return std::make_unique<GlooBackend>(makeComm(std::move(ctx)));
}

std::shared_ptr<::gloo::Context> splitContext(::gloo::Context& parent, const std::vector<int>& members) {
  const auto me = std::find(members.begin(), members.end(), parent.rank);
  if (me == members.end()) return nullptr;
  const int rank = int(me - members.begin()), k = int(members.size());
  std::shared_ptr<transport::Device> dev = parent.getDevice();
  auto tc = guardedContext(dev, rank, k);

  // Each member sends every other member the address of the pair it listens on for it and that
  // pair's token, as a fixed-size record over the parent's already connected pairs.
  struct Record {
    uint32_t len;
    char bytes[transport::Address::kMaxByteSize];
    Token token;
  };
  std::vector<Record> out(static_cast<size_t>(k)), in(static_cast<size_t>(k));
  auto outBuf = parent.createUnboundBuffer(out.data(), out.size() * sizeof(Record));
  auto inBuf = parent.createUnboundBuffer(in.data(), in.size() * sizeof(Record));
  for (int j = 0; j < k; ++j) {  // j: the index among the members; members[j]: its rank in the parent
    if (j == rank) continue;
    const std::vector<char> a = tc->getPair(j)->address().bytes();
    if (a.size() > sizeof(Record::bytes)) throw Error(ErrorKind::Internal, "Gloo pair address too long");
    Record& r = out[size_t(j)];
    r.len = uint32_t(a.size());
    std::memcpy(r.bytes, a.data(), a.size());
    r.token = listenToken(*tc, j);
    inBuf->recv(members[size_t(j)], kSlotSplit, size_t(j) * sizeof(Record), sizeof(Record));
    outBuf->send(members[size_t(j)], kSlotSplit, size_t(j) * sizeof(Record), sizeof(Record));
  }
  for (int j = 1; j < k; ++j)
    if (!inBuf->waitRecv(kTimeout) || !outBuf->waitSend(kTimeout))
      throw Error(ErrorKind::Internal, "Gloo: address exchange for a sub-communicator was aborted");

  connectPairs(*tc, rank, k, [&](int j) {
    const Record& r = in[size_t(j)];
    if (r.len > sizeof(r.bytes)) throw Error(ErrorKind::Internal, "Gloo: bad pair address from a peer");
    return std::make_pair(std::vector<char>(r.bytes, r.bytes + r.len), r.token);
  });
  return std::make_shared<MeshContext>(rank, k, std::move(dev), std::move(tc));
}

}  // namespace ccb::gloo

extern "C" const ccb::gloo::Table* ccbench_gloo_table() {
  using namespace ccb::gloo;
  static const Table table{kTableAbi, libraryVersion, prepare, connect};
  return &table;
}
