// MPI runtime and control transport (built only when CMake finds MPI).
#include <dlfcn.h>
#include <mpi.h>

#include <cstring>

#include "../common/error.h"
#include "check_mpi.h"
#include "mpi.h"
#include "table.h"

namespace ccb::mpi {

std::string libraryVersion() {
  char buf[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(buf, &len);
  std::string s(buf, size_t(len));
  const size_t nl = s.find_first_of("\n,");
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  return s;
}

void init() {
  int done = 0;
  MPI_Initialized(&done);
  if (done) return;
  // Node loads the addon with RTLD_LOCAL; Open MPI's components expect libmpi's symbols in the
  // global scope (shared/reference/toolchain.md §3). Promote whichever libmpi we were linked to.
  for (const char* name : {"libmpi.so.40", "libmpi.so.12", "libmpi.so"})
    if (dlopen(name, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD)) break;
  // MPI_THREAD_SINGLE, as OSU's MPI_Init: only the engine thread ever calls MPI. Open MPI 4.1
  // takes a slower path at any higher level (npm run bench:thread-level; results/thread-level/).
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SINGLE, &provided), "MPI_Init_thread");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

bool initialized() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}

void finalize() {
  if (initialized()) MPI_Finalize();
}

int worldRank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int worldSize() {
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void barrier() { check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

std::vector<char> bcast(const std::vector<char>& data, int root) {
  long long len = (long long)data.size();
  check(MPI_Bcast(&len, 1, MPI_LONG_LONG, root, MPI_COMM_WORLD), "MPI_Bcast");
  std::vector<char> out = worldRank() == root ? data : std::vector<char>(size_t(len));
  if (len > 0) check(MPI_Bcast(out.data(), int(len), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
  return out;
}

std::vector<std::vector<char>> gather(const std::vector<char>& data) {
  const int n = worldSize(), me = worldRank();
  int len = int(data.size());
  std::vector<int> lens(me == 0 ? size_t(n) : 0), displs(lens.size());
  check(MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  std::vector<char> all;
  if (me == 0) {
    long long total = 0;
    for (int i = 0; i < n; ++i) {
      displs[size_t(i)] = int(total);
      total += lens[size_t(i)];
    }
    if (total > 0x7fffffff) throw Error(ErrorKind::Internal, "gathered results exceed 2 GiB");
    all.resize(size_t(total));
  }
  check(MPI_Gatherv(data.data(), len, MPI_BYTE, all.data(), lens.data(), displs.data(), MPI_BYTE, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  std::vector<std::vector<char>> out;
  for (int i = 0; i < (me == 0 ? n : 0); ++i)
    out.emplace_back(all.begin() + displs[size_t(i)], all.begin() + displs[size_t(i)] + lens[size_t(i)]);
  return out;
}

namespace {
// Optional MPI extensions (§10), looked up by name: absent symbols mean "unknown".
template <class F>
F extension(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_DEFAULT, name));
}
}  // namespace

std::string gpuAwareness() {
  auto answer = [](int v) { return v ? "yes" : "no"; };
  std::string cuda = "unknown", rocm = "unknown";
  if (auto q = extension<int (*)()>("MPIX_Query_cuda_support")) cuda = answer(q());  // Open MPI
  if (auto q = extension<int (*)()>("MPIX_Query_rocm_support")) rocm = answer(q());  // Open MPI ≥ 5
  if (auto q = extension<int (*)(int, int*)>("MPIX_GPU_query_support")) {            // MPICH ≥ 4
    int ok = 0;
    if (q(0 /* CUDA */, &ok) == MPI_SUCCESS) cuda = answer(ok);
    if (q(2 /* HIP */, &ok) == MPI_SUCCESS) rocm = answer(ok);
  }
  return "CUDA: " + cuda + ", ROCm: " + rocm;
}

}  // namespace ccb::mpi

extern "C" const ccb::mpi::Table* ccbench_mpi_table() {
  using namespace ccb::mpi;
  static const Table table{kTableAbi, libraryVersion, init,  initialized, finalize,    worldRank,
                           worldSize, barrier,        bcast, gather,      makeBackend, gpuAwareness};
  return &table;
}
