// Test-only harness for the Gloo backend: one program started once per rank. It brings the mesh
// up through gloo::prepare / gloo::connect, then runs ccb::measure() with check=true over every
// op, dtype, reduction, root and in-place form, from one element to ~1 MiB, with per-op and
// batch timing, on the world and on split() sub-communicators. It prints every case with wrong
// elements (or an unexpected error) and exits 1 if there was any.
//
//   gloo_harness RANK SIZE EXCHANGE_DIR [HOST] [--timing]
//
// --timing instead prints per-op timings of allreduce (float32, 8 B and 1 MiB) on the world.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "../../common/error.h"
#include "../../engine/engine.h"
#include "../../engine/test/test_matrix.h"
#include "../gloo.h"

namespace {

using namespace ccb;

// Stand-in for the control plane: each rank publishes its blob as a file (written, then renamed
// so readers never see half of it) and waits for everyone else's.
std::vector<std::vector<char>> exchangeBlobs(const std::string& dir, int rank, int size,
                                             const std::vector<char>& blob) {
  const std::string mine = dir + "/blob." + std::to_string(rank);
  {
    std::ofstream f(mine + ".tmp", std::ios::binary);
    f.write(blob.data(), std::streamsize(blob.size()));
  }
  if (std::rename((mine + ".tmp").c_str(), mine.c_str()) != 0) throw std::runtime_error("rename " + mine);
  std::vector<std::vector<char>> all(static_cast<size_t>(size));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int r = 0; r < size; ++r) {
    const std::string path = dir + "/blob." + std::to_string(r);
    while (access(path.c_str(), R_OK) != 0) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("no blob from rank " + std::to_string(r));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::ifstream f(path, std::ios::binary);
    all[size_t(r)].assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  return all;
}

struct Tally {
  long cases = 0, checked = 0, refused = 0, failures = 0;
  long long wrong = 0;
};

struct Harness {
  Device& dev;
  Buffers buf;
  size_t maxBytes;
  Tally t;
  int caseNo = 0;

  // Every rank runs the same cases in the same order; `where` names the communicator.
  void one(Comm& c, const char* where, const OpInfo& op, Dtype dt, RedOp r, int root, bool inPlace, size_t count,
           int window = 4) {
    MeasureSpec s;
    s.op = &op;
    s.dtype = dt;
    s.redop = r;
    s.root = root;
    s.count = count;
    s.inPlace = inPlace;
    s.iters = 2;
    s.warmup = 1;
    s.window = window;
    s.check = true;
    s.maxTimeSec = 600;  // never binding, but makes measure() agree on iterations via maxAcross()
    s.timing = (caseNo++ % 2) ? Timing::Batch : Timing::PerOp;
    const int n = c.size();
    const bool refuse = (op.reduces && r == RedOp::Avg) || (inPlace && !op.hasInPlace) || (op.evenRanks && n % 2) ||
                        count < op.minCount;
    const size_t ts = dtypeInfo(dt).size;
    s.matrix = testMatrix(op, n, count);
    const OpCall call{&op, c.rank(), n, root, count, s.matrix.empty() ? nullptr : s.matrix.data()};
    if (std::max(sendElems(call), recvElems(call)) * ts > maxBytes) return;
    ++t.cases;
    char label[256];
    std::snprintf(label, sizeof(label), "%s n=%d %s %s %s root=%d %s count=%zu %s", where, n, op.name,
                  dtypeInfo(dt).name, redOpName(r), root, inPlace ? "in-place" : "out-of-place", count,
                  s.timing == Timing::Batch ? "batch" : "per-op");
    Progress prog;
    try {
      const MeasureResult res = measure(c, dev, buf, s, prog);
      if (refuse) {
        std::printf("rank %d: NOT REFUSED: %s\n", c.rank(), label);
        ++t.failures;
        return;
      }
      ++t.checked;
      if (res.wrong != 0 || res.samplesUs.size() != 2) {
        std::printf("rank %d: WRONG %lld: %s\n", c.rank(), (long long)res.wrong, label);
        ++t.failures;
        if (res.wrong > 0) t.wrong += res.wrong;
      }
    } catch (const Error& e) {
      if (refuse && e.kind() == ErrorKind::Usage) {
        ++t.refused;
        return;
      }
      std::printf("rank %d: ERROR (%s): %s: %s\n", c.rank(), errorCode(e.kind()), label, e.what());
      std::fflush(stdout);
      throw;  // the peers are mid-op now: stop rather than desynchronise
    }
  }

  // `full`: every dtype and all sizes; otherwise a subset (sub-communicators).
  void matrix(Comm& c, const char* where, bool full) {
    const int n = c.size();
    const double mx = c.maxAcross(double(c.rank()) + 0.5);
    if (mx != n - 0.5) {
      std::printf("rank %d: WRONG maxAcross on %s: %g\n", c.rank(), where, mx);
      ++t.failures;
    }
    const OpInfo& rs = opInfo(Op::ReduceScatter);
    if (c.unsupported(rs, Dtype::Float32, RedOp::Sum, false, size_t(1) << 29).empty()) {
      std::printf("rank %d: reduce-scatter over 2 GiB not refused on %s\n", c.rank(), where);
      ++t.failures;
    }
    size_t nd = 0;
    const DtypeInfo* dts = allDtypes(&nd);
    size_t nops = 0;
    const OpInfo* ops = allOps(&nops);
    const RedOp reds[] = {RedOp::Sum, RedOp::Prod, RedOp::Max, RedOp::Min, RedOp::Avg};
    for (size_t d = 0; d < nd; ++d) {
      const Dtype dt = dts[d].id;
      const size_t ts = dts[d].size;
      const bool big = dt == Dtype::Int8 || dt == Dtype::Float16 || dt == Dtype::Float32 || dt == Dtype::Float64;
      if (!full && !(dt == Dtype::Int8 || dt == Dtype::Float32 || dt == Dtype::Float64 || dt == Dtype::Bfloat16))
        continue;
      std::vector<size_t> counts = {1, 3, 25, 1025};  // odd counts: uneven chunks and segments
      if (!full) counts = {1, 1000};
      if (full && dt == Dtype::Float32) counts.push_back(0);
      if (big) counts.push_back((64 << 10) / ts);
      if (big && full) counts.push_back((1 << 20) / ts);
      for (size_t o = 0; o < nops; ++o) {
        const OpInfo& op = ops[o];
        if (op.id == Op::Barrier && dt != Dtype::Float32) continue;
        for (size_t count : counts) {
          if (op.id == Op::Barrier && count != 1) continue;
          const bool large = count * ts > 4096;
          for (RedOp r : reds) {
            if (!op.reduces && r != RedOp::Sum) continue;
            if (large && op.reduces && r != RedOp::Sum && r != RedOp::Max) continue;
            std::vector<int> roots = {0};
            if (op.rooted && n > 1) roots.push_back(n - 1);
            for (int root : roots)
              for (bool inPlace : {false, true}) one(c, where, op, dt, r, root, inPlace, count);
          }
        }
      }
    }
    // The default OSU window once, for the window ops.
    if (n % 2 == 0)
      for (Op id : {Op::Bw, Op::Bibw}) one(c, where, opInfo(id), Dtype::Float32, RedOp::Sum, 0, false, 1000, 64);
  }

  // OSU's 0-byte messages as the TypeScript plan asks for them when 0 B is the only size: count 0
  // in 0-byte buffers (0-byte Gloo unbound buffers); sendrecv (minCount 1) is refused.
  void zeroBytes(Comm& c) {
    const Buffers full = buf;
    buf = Buffers{};
    buf.send = dev.alloc(0);
    buf.recv = dev.alloc(0);
    for (Op id : {Op::Latency, Op::Bw, Op::Bibw, Op::Barrier, Op::SendRecv})
      for (int window : {4, 64}) one(c, "0-byte buffers", opInfo(id), Dtype::Float32, RedOp::Sum, 0, false, 0, window);
    dev.release(buf.send);
    dev.release(buf.recv);
    buf = full;
  }
};

void timing(Comm& c, Device& dev, Buffers& buf) {
  const OpInfo& op = opInfo(Op::AllReduce);
  for (size_t bytes : {size_t(8), size_t(1) << 20}) {
    for (Timing tm : {Timing::PerOp, Timing::Batch}) {
      MeasureSpec s;
      s.op = &op;
      s.dtype = Dtype::Float32;
      s.count = bytes / 4;
      s.iters = bytes < 4096 ? 2000 : 200;
      s.warmup = 20;
      s.timing = tm;
      Progress prog;
      std::vector<double> v = measure(c, dev, buf, s, prog).samplesUs;
      std::sort(v.begin(), v.end());
      double mean = 0;
      for (double x : v) mean += x;
      mean /= double(v.size());
      if (c.rank() == 0)
        std::printf(
            "timing n=%d allreduce float32 %zu B %s: p50 %.1f us, mean %.1f us, min %.1f us, p99 %.1f us "
            "(%zu iters)\n",
            c.size(), bytes, tm == Timing::Batch ? "batch" : "per-op", v[v.size() / 2], mean, v.front(),
            v[v.size() * 99 / 100], v.size());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s RANK SIZE EXCHANGE_DIR [HOST] [--timing]\n", argv[0]);
    return 2;
  }
  // As Node does: a peer that dies mid-op is then an error from Gloo, not a silent SIGPIPE death.
  std::signal(SIGPIPE, SIG_IGN);
  const int rank = std::atoi(argv[1]), size = std::atoi(argv[2]);
  const std::string dir = argv[3];
  std::string host;
  bool timed = false;
  for (int i = 4; i < argc; ++i) {
    if (std::strcmp(argv[i], "--timing") == 0)
      timed = true;
    else
      host = argv[i];
  }
  try {
    const auto t0 = std::chrono::steady_clock::now();
    auto blob = gloo::prepare(rank, size, host);
    auto backend = gloo::connect(exchangeBlobs(dir, rank, size, blob));
    Comm& world = backend->world();
    if (world.rank() != rank || world.size() != size || std::string(backend->name()) != "gloo")
      throw std::runtime_error("world has the wrong shape");
    if (rank == 0)
      std::printf("%s: %d ranks connected in %.1f ms\n", backend->library().c_str(), size,
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());

    auto dev = makeHostDevice();
    const size_t maxBytes = size_t(size) * ((1 << 20) + 4096);
    Harness h{*dev, {}, maxBytes, {}, 0};
    h.buf.send = dev->alloc(maxBytes);
    h.buf.recv = dev->alloc(maxBytes);
    h.buf.sendBytes = h.buf.recvBytes = maxBytes;

    if (timed) {
      timing(world, *dev, h.buf);
      return 0;
    }
    h.matrix(world, "world", true);
    h.zeroBytes(world);
    if (rank == 0)
      std::printf("world: %ld cases in %.1f s\n", h.t.cases,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    // Sub-communicators: all ranks, all but the last, rank 0 alone, and a split of a split.
    for (int k : {size, size - 1, 1}) {
      if (k < 1) continue;
      auto sub = world.split(k, {});
      if ((sub != nullptr) != (rank < k)) throw std::runtime_error("split(" + std::to_string(k) + ") membership");
      if (sub) {
        if (sub->rank() != rank || sub->size() != k) throw std::runtime_error("split sub-communicator shape");
        h.matrix(*sub, k == size ? "split(all)" : "split", false);
        if (k >= 3) {
          auto subsub = sub->split(2, {});
          if ((subsub != nullptr) != (rank < 2)) throw std::runtime_error("nested split membership");
          if (subsub) h.matrix(*subsub, "split(split)", false);
        }
      }
      world.barrier();
    }
    world.barrier();
    std::printf(
        "rank %d/%d: %ld cases, %ld checked, %ld refused as expected, %ld failed, %lld wrong elements "
        "(%.1f s)\n",
        rank, size, h.t.cases, h.t.checked, h.t.refused, h.t.failures, h.t.wrong,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    std::fflush(stdout);
    return h.t.failures == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::printf("rank %d: FAILED: %s\n", rank, e.what());
    std::fflush(stdout);
    return 1;
  }
}
