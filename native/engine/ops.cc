#include "ops.h"

#include <cstring>

namespace ccb {
namespace {

//  id                 name             shape              min even  reduce root  inpl  pair  barrier
const OpInfo kOps[] = {
    {Op::AllReduce,     "allreduce",     Shape::Same,      1, false, true,  false, true,  false, true},
    {Op::AllGather,     "allgather",     Shape::Gathered,  1, false, false, false, true,  false, true},
    {Op::ReduceScatter, "reducescatter", Shape::Scattered, 1, false, true,  false, true,  false, true},
    {Op::Broadcast,     "broadcast",     Shape::Same,      1, false, false, true,  true,  false, true},
    {Op::Reduce,        "reduce",        Shape::Same,      1, false, true,  true,  true,  false, true},
    {Op::AllToAll,      "alltoall",      Shape::Exchanged, 1, false, false, false, true,  false, true},
    {Op::Gather,        "gather",        Shape::Gathered,  1, false, false, true,  true,  false, true},
    {Op::Scatter,       "scatter",       Shape::Scattered, 1, false, false, true,  true,  false, true},
    {Op::SendRecv,      "sendrecv",      Shape::Same,      1, false, false, false, true,  false, true},
    {Op::Latency,       "latency",       Shape::Same,      2, true,  false, false, false, true,  false},
    {Op::Bw,            "bw",            Shape::Same,      2, true,  false, false, false, true,  false},
    {Op::Bibw,          "bibw",          Shape::Same,      2, true,  false, false, false, true,  false},
    {Op::Barrier,       "barrier",       Shape::None,      1, false, false, false, false, false, true},
};

}  // namespace

const OpInfo* allOps(size_t* count) {
  *count = sizeof(kOps) / sizeof(kOps[0]);
  return kOps;
}

const OpInfo* opByName(const char* name) {
  for (const auto& o : kOps)
    if (std::strcmp(o.name, name) == 0) return &o;
  return nullptr;
}

const OpInfo& opInfo(Op id) { return kOps[static_cast<int>(id)]; }

size_t sendElems(const OpInfo& op, size_t count, int n) {
  switch (op.shape) {
    case Shape::Same: case Shape::Gathered: return count;
    case Shape::Scattered: case Shape::Exchanged: return count * size_t(n);
    case Shape::None: return 0;
  }
  return 0;
}

size_t recvElems(const OpInfo& op, size_t count, int n) {
  switch (op.shape) {
    case Shape::Same: case Shape::Scattered: return count;
    case Shape::Gathered: case Shape::Exchanged: return count * size_t(n);
    case Shape::None: return 0;
  }
  return 0;
}

}  // namespace ccb
