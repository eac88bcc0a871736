#include "check.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace ccb {

Pattern::Pattern(const OpInfo& op, Dtype t, RedOp r, int n) : n_(n) {
  const double limit = dtypeInfo(t).exactLimit;
  if (!op.reduces) {
    kind_ = Kind::Plain;
    m_ = size_t(std::min(101.0, limit + 1));
    return;
  }
  if (r == RedOp::Prod) {  // at most one rank contributes a 2: every product is 1 or 2
    kind_ = Kind::ProdIndicator;
    m_ = size_t(std::max(n, 2));
  } else if (r == RedOp::Max || r == RedOp::Min) {
    kind_ = Kind::Residue;
    m_ = size_t(std::min(101.0, limit + 1));
  } else {  // sum, avg: keep n·(m−1) within the exact range, else one contributor per element
    size_t m = size_t(std::min(5.0, std::floor(limit / n) + 1));
    if (m >= 2) {
      kind_ = Kind::Residue;
      m_ = m;
    } else {
      kind_ = Kind::Indicator;
      m_ = size_t(n);
    }
    approx_ = r == RedOp::Avg;
  }
  table_.assign(m_, 0.0);
  for (size_t k = 0; k < m_; ++k) {
    double acc = r == RedOp::Prod ? 1 : r == RedOp::Min ? INFINITY : r == RedOp::Max ? -INFINITY : 0;
    for (int rank = 0; rank < n; ++rank) {
      double v = input(rank, k);
      switch (r) {
        case RedOp::Sum:
        case RedOp::Avg: acc += v; break;
        case RedOp::Prod: acc *= v; break;
        case RedOp::Max: acc = std::max(acc, v); break;
        case RedOp::Min: acc = std::min(acc, v); break;
      }
    }
    if (r == RedOp::Avg) acc = dtypeInfo(t).isFloat ? acc / n : std::trunc(acc / n);
    table_[k] = acc;
  }
}

// Depends on g only through g mod m, which lets fill and check walk rows of m encoded values.
double Pattern::input(int rank, size_t g) const {
  const size_t k = (g % m_ + size_t(rank) % m_) % m_;
  switch (kind_) {
    case Kind::Plain: return double((g % m_ * 3 + size_t(rank) % m_ * 7 + 1) % m_);
    case Kind::Residue: return double(k);
    case Kind::Indicator: return k == 0 ? 1.0 : 0.0;
    case Kind::ProdIndicator: return k == 0 ? 2.0 : 1.0;
  }
  return 0;
}

double Pattern::reduced(size_t g) const { return table_[g % m_]; }

namespace {

// The m values of one source, encoded in the dtype: row[k] is the value of every g ≡ k (mod m).
std::vector<unsigned char> encodeRow(const CheckLayout& c, const Pattern& p, int src, size_t m) {
  const size_t ts = dtypeInfo(c.dtype).size;
  std::vector<unsigned char> row(m * ts);
  for (size_t k = 0; k < m; ++k) storeElement(c.dtype, row.data(), k, src == kReduced ? p.reduced(k) : p.input(src, k));
  return row;
}

template <class W>
int64_t compareRun(const unsigned char* out, const unsigned char* row, size_t m, size_t k, size_t len) {
  int64_t wrong = 0;
  const W* o = reinterpret_cast<const W*>(out);
  const W* v = reinterpret_cast<const W*>(row);
  for (size_t j = 0; j < len; ++j) {
    wrong += o[j] != v[k];
    if (++k == m) k = 0;
  }
  return wrong;
}

template <class W>
void writeRun(unsigned char* out, const unsigned char* row, size_t m, size_t k, size_t len) {
  W* o = reinterpret_cast<W*>(out);
  const W* v = reinterpret_cast<const W*>(row);
  for (size_t j = 0; j < len; ++j) {
    o[j] = v[k];
    if (++k == m) k = 0;
  }
}

}  // namespace

void fillInput(const CheckLayout& c, void* base, size_t n) {
  Pattern p(*c.op, c.dtype, c.redop, c.nranks);
  const size_t m = p.modulus();
  const auto row = encodeRow(c, p, c.rank, m);
  auto* out = static_cast<unsigned char*>(base);
  switch (dtypeInfo(c.dtype).size) {
    case 1: writeRun<uint8_t>(out, row.data(), m, 0, n); break;
    case 2: writeRun<uint16_t>(out, row.data(), m, 0, n); break;
    case 4: writeRun<uint32_t>(out, row.data(), m, 0, n); break;
    default: writeRun<uint64_t>(out, row.data(), m, 0, n); break;
  }
}

void fillSentinel(Dtype t, void* base, size_t n) {
  // All-ones bytes: NaN for every float type, −1 / max for integers; no pattern value is either.
  std::memset(base, 0xff, n * dtypeInfo(t).size);
}

size_t outputElems(const CheckLayout& c) { return c.op->outputElems(c.call()); }

int64_t countWrong(const CheckLayout& c, const void* base) {
  Pattern p(*c.op, c.dtype, c.redop, c.nranks);
  const size_t n = outputElems(c);
  if (n == 0) return 0;
  const std::vector<Segment> segments = c.op->segments(c.call(), n);
  const DtypeInfo& di = dtypeInfo(c.dtype);
  const auto* out = static_cast<const unsigned char*>(base);
  int64_t wrong = 0;
  if (p.approximate()) {  // avg: compare values within a tolerance (NCCL may pre-scale inputs)
    const double relTol = di.size == 1 ? 0.25 : di.size == 2 ? 1e-2 : di.size == 4 ? 1e-5 : 1e-12;
    for (const Segment& s : segments)
      for (size_t j = 0; j < s.len; ++j) {
        const double want = p.reduced(s.gStart + j);  // avg only reduces: src is always kReduced
        const double tol = di.isFloat ? relTol * std::max(1.0, std::fabs(want)) : 1.0;
        if (!(std::fabs(loadElement(c.dtype, out, s.out + j) - want) <= tol)) ++wrong;
      }
    return wrong;
  }
  // Exact: every expected value is a small integer the type holds exactly, so compare encodings.
  const size_t m = p.modulus();
  for (const Segment& s : segments) {
    const auto row = encodeRow(c, p, s.src, m);
    const unsigned char* o = out + s.out * di.size;
    const size_t k = s.gStart % m;
    switch (di.size) {
      case 1: wrong += compareRun<uint8_t>(o, row.data(), m, k, s.len); break;
      case 2: wrong += compareRun<uint16_t>(o, row.data(), m, k, s.len); break;
      case 4: wrong += compareRun<uint32_t>(o, row.data(), m, k, s.len); break;
      default: wrong += compareRun<uint64_t>(o, row.data(), m, k, s.len); break;
    }
  }
  return wrong;
}

}  // namespace ccb
