// The control plane's proof and secrets (src/control/auth.ts): HMAC-SHA256 (FIPS 180-4, RFC 2104)
// and random bytes from the kernel. In the addon rather than node:crypto because loading that
// module costs every rank ~13 ms of start-up on this project's VM (npm run bench:startup), while
// the addon is loaded anyway. The round constants are the first 32 bits of the fractional parts
// of the cube roots of the first 64 primes, the initial hash those of the square roots of the
// first 8 (FIPS 180-4, 4.2.2 and 5.3.3).
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "binding.h"

namespace ccb {
namespace {

constexpr std::array<uint32_t, 64> K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

class Sha256 {
 public:
  void add(const void* data, size_t n) {
    const auto* p = static_cast<const uint8_t*>(data);
    bits_ += uint64_t(n) * 8;
    while (n > 0) {
      size_t take = std::min(n, sizeof block_ - used_);
      std::memcpy(block_ + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ == sizeof block_) compress();
    }
  }
  std::array<uint8_t, 32> digest() {
    uint64_t bits = bits_;
    uint8_t pad = 0x80;
    add(&pad, 1);
    pad = 0;
    while (used_ != 56) add(&pad, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++) len[i] = uint8_t(bits >> (56 - 8 * i));
    add(len, 8);
    std::array<uint8_t, 32> out{};
    for (int i = 0; i < 32; i++) out[i] = uint8_t(h_[i / 4] >> (24 - 8 * (i % 4)));
    return out;
  }

 private:
  void compress() {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
      w[i] = uint32_t(block_[4 * i]) << 24 | uint32_t(block_[4 * i + 1]) << 16 | uint32_t(block_[4 * i + 2]) << 8 |
             block_[4 * i + 3];
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    uint32_t v[8] = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; i++) h_[i] += v[i];
    used_ = 0;
  }

  uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint8_t block_[64] = {};
  size_t used_ = 0;
  uint64_t bits_ = 0;
};

std::string hex(const uint8_t* p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; i++) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  return s;
}

// RFC 2104 with a 64-byte block: keys longer than a block are hashed first.
std::array<uint8_t, 32> hmacSha256(const std::string& key, const std::string& message) {
  uint8_t k[64] = {};
  if (key.size() > sizeof k) {
    Sha256 kh;
    kh.add(key.data(), key.size());
    auto d = kh.digest();
    std::memcpy(k, d.data(), d.size());
  } else {
    std::memcpy(k, key.data(), key.size());
  }
  uint8_t ipad[64], opad[64];
  for (int i = 0; i < 64; i++) {
    ipad[i] = k[i] ^ 0x36;
    opad[i] = k[i] ^ 0x5c;
  }
  Sha256 inner;
  inner.add(ipad, sizeof ipad);
  inner.add(message.data(), message.size());
  auto id = inner.digest();
  Sha256 outer;
  outer.add(opad, sizeof opad);
  outer.add(id.data(), id.size());
  return outer.digest();
}

// hmacSha256Hex(key, message): the lower-case hex of HMAC-SHA256 over the strings' UTF-8 bytes.
Napi::Value HmacSha256Hex(const Napi::CallbackInfo& info) {
  auto d = hmacSha256(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::String>().Utf8Value());
  return Napi::String::New(info.Env(), hex(d.data(), d.size()));
}

// randomHex(bytes): that many bytes from getrandom(2), as hex.
Napi::Value RandomHex(const Napi::CallbackInfo& info) {
  size_t n = info[0].As<Napi::Number>().Uint32Value();
  std::string bytes(n, '\0');
  for (size_t got = 0; got < n;) {
    ssize_t r = getrandom(bytes.data() + got, n - got, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      Napi::Error::New(info.Env(), std::string("getrandom: ") + std::strerror(errno)).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    got += size_t(r);
  }
  return Napi::String::New(info.Env(), hex(reinterpret_cast<const uint8_t*>(bytes.data()), n));
}

}  // namespace

void registerAuthExports(Napi::Env env, Napi::Object exports) {
  exports.Set("hmacSha256Hex", Napi::Function::New(env, HmacSha256Hex));
  exports.Set("randomHex", Napi::Function::New(env, RandomHex));
}

}  // namespace ccb
