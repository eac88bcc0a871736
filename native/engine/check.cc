#include "check.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

namespace ccb {
namespace {

// murmur3's 32-bit finaliser: a bijection whose every input bit changes about half the output
// bits. 32-bit arithmetic only, so the loops below vectorise (SSE2 included).
inline uint32_t fmix(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  return h ^ (h >> 16);
}

// splitmix64's finaliser, for the per-source seeds (once per block).
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// x86-64: a second build of the hash loops for AVX2 (8 lanes, native 32-bit multiplies), picked
// when the library loads; the baseline build (SSE2) runs elsewhere.
#if defined(__x86_64__) && defined(__ELF__) && defined(__GNUC__)
#define CCB_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define CCB_CLONES
#endif

inline int log2floor(uint64_t v) { return 63 - __builtin_clzll(v); }

// out[j] = f(hash of key k0 + j).
template <class F>
void each(uint32_t k0, size_t len, uint32_t* out, F f) {
  for (size_t j = 0; j < len; ++j) out[j] = f(fmix(k0 + uint32_t(j)));
}

template <class T>
auto bitsOf(T v) {
  std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t> b;
  std::memcpy(&b, &v, sizeof(b));
  return b;
}

// The stored bits of the pattern's integers: converted in line (vectorisable), or looked up for the
// narrow floats, whose conversion is slow. Comparing bits, not values, also catches −0 and NaN.
class Encoder {
 public:
  Encoder(Dtype t, uint32_t top) : t_(t) {
    const DtypeInfo& d = dtypeInfo(t);
    if (!d.isFloat || d.size > 2) return;  // float16, bfloat16, fp8
    table_.resize(size_t(top) + 1);
    for (uint32_t k = 0; k <= top; ++k) {
      uint16_t bits = 0;
      storeElement(t, &bits, 0, k);
      table_[k] = d.size == 1 ? uint16_t(bits & 0xff) : bits;  // storeElement wrote the low byte
    }
  }

  void store(void* base, size_t at, const uint32_t* v, size_t len) const {
    with([&](auto w, auto enc) {
      auto* o = static_cast<decltype(w)*>(base) + at;
      for (size_t j = 0; j < len; ++j) o[j] = enc(v[j]);
    });
  }

  int64_t mismatches(const void* base, size_t at, const uint32_t* v, size_t len) const {
    int64_t wrong = 0;
    with([&](auto w, auto enc) {
      const auto* o = static_cast<const decltype(w)*>(base) + at;
      for (size_t j = 0; j < len; ++j) wrong += o[j] != enc(v[j]);
    });
    return wrong;
  }

 private:
  // Calls f(W{}, enc): W the element's storage type, enc(v) its bits for the integer v.
  template <class F>
  void with(F&& f) const {
    const uint16_t* tb = table_.data();
    switch (t_) {
      case Dtype::Int8:
      case Dtype::Uint8: return f(uint8_t{}, [](uint32_t v) { return uint8_t(v); });
      case Dtype::Int32:
      case Dtype::Uint32: return f(uint32_t{}, [](uint32_t v) { return v; });
      case Dtype::Int64:
      case Dtype::Uint64: return f(uint64_t{}, [](uint32_t v) { return uint64_t(v); });
      // Values stay below 2^31: through int32, the conversions vectorise.
      case Dtype::Float32: return f(uint32_t{}, [](uint32_t v) { return bitsOf(float(int32_t(v))); });
      case Dtype::Float64: return f(uint64_t{}, [](uint32_t v) { return bitsOf(double(int32_t(v))); });
      case Dtype::Float16:
      case Dtype::Bfloat16: return f(uint16_t{}, [tb](uint32_t v) { return tb[v]; });
      case Dtype::Float8e4m3:
      case Dtype::Float8e5m2: return f(uint8_t{}, [tb](uint32_t v) { return uint8_t(tb[v]); });
    }
  }

  Dtype t_;
  std::vector<uint16_t> table_;
};

constexpr size_t kBlock = 1024;  // values computed per pass, then stored or compared

// avg: the sums in v divided by n, compared within a tolerance (NCCL may pre-scale the inputs).
// An integer outside [0, top] is the sentinel (−1, or uint8's 255), however near the average.
int64_t offAverage(Dtype t, int n, uint32_t top, const void* base, size_t at, const uint32_t* v, size_t len) {
  const DtypeInfo& di = dtypeInfo(t);
  const double relTol = di.size == 1 ? 0.25 : di.size == 2 ? 1e-2 : di.size == 4 ? 1e-5 : 1e-12;
  int64_t wrong = 0;
  for (size_t j = 0; j < len; ++j) {
    const double want = di.isFloat ? v[j] / double(n) : std::trunc(v[j] / double(n));
    const double tol = di.isFloat ? relTol * std::max(1.0, std::fabs(want)) : 1.0, got = loadElement(t, base, at + j);
    if (!(std::fabs(got - want) <= tol) || got < 0 || got > top) ++wrong;
  }
  return wrong;
}

}  // namespace

Pattern::Pattern(const OpInfo& op, Dtype t, RedOp r, int n) : n_(std::max(n, 1)) {
  // Exact in the type, within 31 bits, and never the all-ones sentinel (uint8's 255; −1 and NaN
  // are no pattern value anyway).
  const DtypeInfo& d = dtypeInfo(t);
  const double allOnes = std::ldexp(1.0, int(8 * d.size)) - 1;
  double top = std::min(d.exactLimit, double(INT32_MAX));
  if (!d.isFloat && top >= allOnes) top = allOnes - 1;
  top_ = uint32_t(top);
  // Ranges are powers of two, taken from the hash by masks and shifts rather than divisions.
  yShift_ = 32 - log2floor(top_);  // y = 1 + (h >> yShift_) lies in [1, top]
  if (!op.reduces) {
    kind_ = Kind::Plain;
    yShift_ = 32 - log2floor(uint64_t(top_) + 1);  // [0, top]
    return;
  }
  switch (r) {
    case RedOp::Sum:
    case RedOp::Avg: {
      // Every rank holds x, one rank adds y: n·x + y stays within the budget, half of it for x.
      // A float avg keeps its sums as small as they were (≤ 4n): a pre-scaled sum is inexact.
      kind_ = Kind::Sum;
      approx_ = r == RedOp::Avg;
      const uint64_t ranks = uint64_t(n_);
      const uint64_t budget = approx_ && d.isFloat ? std::min<uint64_t>(top_, 4 * ranks) : top_;
      const uint64_t xs = uint64_t(1) << log2floor(budget / (2 * ranks) + 1);
      xMask_ = uint32_t(xs - 1);
      yShift_ = 32 - log2floor(budget - ranks * (xs - 1) + 1);  // y in [0, that)
      break;
    }
    case RedOp::Prod: kind_ = Kind::Prod; break;  // one rank holds y ≥ 1, the others 1
    case RedOp::Max: kind_ = Kind::Max; break;    // one rank holds y ≥ 1, the others less
    case RedOp::Min: kind_ = Kind::Min; break;    // Max mirrored: top − y, the others more
  }
}

// Element g's value is drawn from the hash of a 32-bit key: g's low half plus a seed for its
// source (or the reduction) and g's high half. For the reductions, the hash also picks the one
// rank that contributes y (so WHICH rank does depends on g), and the reduction is known without
// visiting the ranks. No branches: the loops vectorise.
CCB_CLONES void Pattern::values(int src, size_t g0, size_t len, uint32_t* out) const {
  const uint32_t n = uint32_t(n_), top = top_, xm = xMask_, ys = yShift_;
  const uint32_t ranks = std::min(n, uint32_t(1) << 16), me = uint32_t(src);  // beyond 2^16, the first 2^16 may add
  auto picked = [=](uint32_t h) { return ((h >> 16) * ranks) >> 16 == me; };
  auto y = [=](uint32_t h) { return 1 + (h >> ys); };
  auto below = [=](uint32_t h) { return h & (y(h) - 1); };                // [0, y)
  const uint64_t keyed = kind_ == Kind::Plain ? me : uint32_t(kReduced);  // reductions: one key for all ranks
  while (len > 0) {  // a key's low half never wraps: the seed changes with g's high half
    const size_t run = std::min<uint64_t>(len, (uint64_t(1) << 32) - (g0 & 0xffffffffu));
    const uint32_t k0 = uint32_t(g0) + uint32_t(mix64((uint64_t(g0) >> 32) + (keyed << 32)));
    switch (kind_) {
      case Kind::Plain: each(k0, run, out, [=](uint32_t h) { return h >> ys; }); break;
      case Kind::Sum:
        if (src == kReduced)
          each(k0, run, out, [=](uint32_t h) { return n * (h & xm) + (h >> ys); });
        else
          each(k0, run, out, [=](uint32_t h) { return (h & xm) + (picked(h) ? h >> ys : 0); });
        break;
      case Kind::Prod:
        if (src == kReduced)
          each(k0, run, out, y);
        else
          each(k0, run, out, [=](uint32_t h) { return picked(h) ? y(h) : 1; });
        break;
      case Kind::Max:
        if (src == kReduced)
          each(k0, run, out, y);
        else
          each(k0, run, out, [=](uint32_t h) { return picked(h) ? y(h) : below(h); });
        break;
      case Kind::Min:
        if (src == kReduced)
          each(k0, run, out, [=](uint32_t h) { return top - y(h); });
        else
          each(k0, run, out, [=](uint32_t h) { return top - (picked(h) ? y(h) : below(h)); });
        break;
    }
    g0 += run, out += run, len -= run;
  }
}

void fillInput(const CheckLayout& c, void* base, size_t n) {
  const Pattern p(*c.op, c.dtype, c.redop, c.nranks);
  const Encoder e(c.dtype, p.top());
  uint32_t v[kBlock];
  for (size_t at = 0; at < n; at += kBlock) {
    const size_t len = std::min(kBlock, n - at);
    p.values(c.rank, at, len, v);
    e.store(base, at, v, len);
  }
}

void fillSentinel(Dtype t, void* base, size_t n) {
  // All-ones bytes: NaN for every float type, −1 / max for integers; no pattern value is either.
  std::memset(base, 0xff, n * dtypeInfo(t).size);
}

size_t outputElems(const CheckLayout& c) { return c.op->outputElems(c.call()); }

int64_t countWrong(const CheckLayout& c, const void* base) {
  const size_t n = outputElems(c);
  if (n == 0) return 0;
  const Pattern p(*c.op, c.dtype, c.redop, c.nranks);
  const Encoder e(c.dtype, p.top());
  uint32_t v[kBlock];
  int64_t wrong = 0;
  for (const Segment& s : c.op->segments(c.call(), n))
    for (size_t at = 0; at < s.len; at += kBlock) {
      const size_t len = std::min(kBlock, s.len - at);
      p.values(s.src, s.gStart + at, len, v);
      // Exact: every expected value is an integer the type holds exactly, so compare encodings.
      wrong += p.approximate() ? offAverage(c.dtype, p.ranks(), p.top(), base, s.out + at, v, len)
                               : e.mismatches(base, s.out + at, v, len);
    }
  return wrong;
}

void misroute(const CheckLayout& c, void* base) {
  const size_t n = outputElems(c);
  if (n == 0) return;
  const std::vector<Segment> segs = c.op->segments(c.call(), n);
  if (segs.empty()) return;
  size_t a = segs[0].out, b, len;
  if (segs.size() >= 2) {  // the first two sources' blocks trade places
    b = segs[1].out;
    len = std::min(segs[0].len, segs[1].len);
  } else {  // the halves of the one run trade places (an odd middle element stays)
    len = segs[0].len / 2;
    b = a + segs[0].len - len;
  }
  const size_t ts = dtypeInfo(c.dtype).size;
  auto* p = static_cast<unsigned char*>(base);
  std::swap_ranges(p + a * ts, p + (a + len) * ts, p + b * ts);
}

}  // namespace ccb
