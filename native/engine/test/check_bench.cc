// What --check costs outside the timed loop: fillInput on a rank's whole input and countWrong on
// its whole output, in ms per GiB of the buffer each walks, for a few ops and dtypes on 4 ranks.
// Best of several runs (the machine may be shared). Run: bash run_check_tests.sh --bench [MiB] [reps]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../check.h"

using namespace ccb;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void bench(const char* opName, Dtype t, RedOp r, int n, size_t bytes, int reps) {
  const OpInfo& op = *opByName(opName);
  const size_t ts = dtypeInfo(t).size;
  const size_t recvPerCount = recvElems(op, 1, n), sendPerCount = sendElems(op, 1, n);
  const size_t count = bytes / ts / std::max(recvPerCount, sendPerCount);
  const size_t sendE = sendElems(op, count, n), recvE = recvElems(op, count, n);
  std::vector<unsigned char> in(sendE * ts), out(recvE * ts);
  const CheckLayout cl{&op, t, r, /*rank=*/1, n, /*root=*/0, count};
  double fill = 1e30, check = 1e30;
  int64_t wrong = 0;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    fillInput(cl, in.data(), sendE);
    fill = std::min(fill, msSince(t0));
    t0 = Clock::now();
    wrong = countWrong(cl, out.data());
    check = std::min(check, msSince(t0));
  }
  const double gibIn = double(sendE * ts) / (1 << 30), gibOut = double(recvE * ts) / (1 << 30);
  std::printf("%-10s %-8s %-4s n=%d: fill %7.1f ms/GiB, check %7.1f ms/GiB (%lld of %zu wrong in zeros)\n", opName,
              dtypeInfo(t).name, redOpName(r), n, fill / gibIn, check / gibOut, (long long)wrong, recvE);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t mib = argc > 1 ? size_t(std::atol(argv[1])) : 256;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  for (const char* op : {"allreduce", "alltoall"})
    for (Dtype t : {Dtype::Float32, Dtype::Int8, Dtype::Bfloat16}) bench(op, t, RedOp::Sum, 4, mib << 20, reps);
  bench("allreduce", Dtype::Float32, RedOp::Max, 4, mib << 20, reps);
  bench("allreduce", Dtype::Float32, RedOp::Prod, 4, mib << 20, reps);
  bench("allreduce", Dtype::Int8, RedOp::Sum, 64, mib << 20, reps);
  return 0;
}
