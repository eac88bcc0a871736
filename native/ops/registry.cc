// The op registry, generated from list.h: slot i holds the descriptor of Op(i).
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "rules.h"

namespace ccb {
namespace {

// Built on first use (the descriptors live in other files) and checked against the list once, so
// that a descriptor copied from another op's file and not fully renamed cannot go unnoticed.
const std::array<OpInfo, kOpCount>& table() {
  static const std::array<OpInfo, kOpCount> t = [] {
    const std::array<OpInfo, kOpCount> a{{
#define CCB_OP(id, name) ops::k##id,
#include "list.h"
#undef CCB_OP
    }};
    const char* const names[] = {
#define CCB_OP(id, name) name,
#include "list.h"
#undef CCB_OP
    };
    for (size_t i = 0; i < kOpCount; ++i)
      if (a[i].id != Op(i) || std::strcmp(a[i].name, names[i]) != 0) {
        std::fprintf(stderr, "ccbench: the descriptor of %s is not the one native/ops/list.h puts in slot %zu\n",
                     names[i], i);
        std::abort();  // a build defect, found by the first test that touches an op
      }
    return a;
  }();
  return t;
}

}  // namespace

const OpInfo* allOps(size_t* count) {
  *count = kOpCount;
  return table().data();
}

const OpInfo* opByName(const char* name) {
  for (const auto& o : table())
    if (std::strcmp(o.name, name) == 0) return &o;
  return nullptr;
}

const OpInfo& opInfo(Op id) { return table()[size_t(id)]; }

size_t sendElems(const OpInfo& op, size_t count, int n) {
  switch (op.shape) {
    case Shape::Same:
    case Shape::Varied:
    case Shape::Gathered: return count;
    case Shape::Scattered:
    case Shape::Exchanged: return count * size_t(n);
    case Shape::None: return 0;
  }
  return 0;
}

size_t recvElems(const OpInfo& op, size_t count, int n) {
  switch (op.shape) {
    case Shape::Same:
    case Shape::Varied:
    case Shape::Scattered: return count;
    case Shape::Gathered:
    case Shape::Exchanged: return count * size_t(n);
    case Shape::None: return 0;
  }
  return 0;
}

size_t sendElems(const OpCall& c) {
  if (!c.matrix) return sendElems(*c.op, c.count, c.nranks);
  size_t sum = 0;
  for (int j = 0; j < c.nranks; ++j) sum += c.matrix[size_t(c.rank) * size_t(c.nranks) + size_t(j)];
  return sum;
}

size_t recvElems(const OpCall& c) {
  if (!c.matrix) return recvElems(*c.op, c.count, c.nranks);
  size_t sum = 0;
  for (int i = 0; i < c.nranks; ++i) sum += c.matrix[size_t(i) * size_t(c.nranks) + size_t(c.rank)];
  return sum;
}

const char* shapeName(Shape s) {
  switch (s) {
    case Shape::Same: return "same";
    case Shape::Gathered: return "gathered";
    case Shape::Scattered: return "scattered";
    case Shape::Exchanged: return "exchanged";
    case Shape::None: return "none";
    case Shape::Varied: return "varied";
  }
  return "?";
}

const char* sampleName(Sample s) {
  switch (s) {
    case Sample::PerOp: return "op";
    case Sample::HalfRoundTrip: return "half-round-trip";
    case Sample::PerMessage: return "per-message";
  }
  return "?";
}

}  // namespace ccb
