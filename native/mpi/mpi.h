// MPI, when ccbench was built with one: the runtime (init, finalize, identity), the control
// transport used by src/control when the job is an MPI job, and the MPI communication backend.
// They live in the plugin ccbench_mpi.so (runtime.cc, comm/mpi.cc); mpi/client.cc forwards to it
// and, when the plugin is missing or does not load, explains how to get MPI.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../comm/comm.h"

namespace ccb::mpi {

bool available();
std::string unavailableReason();  // "" when available
std::string libraryVersion();     // MPI_Get_library_version's first line (callable before init)

// Whether the MPI can take GPU buffers, from its extensions (gpu-abi.md §10), after init:
// e.g. "CUDA: yes, ROCm: no"; "unknown" for a kind the MPI has no query for.
std::string gpuAwareness();

// Called on the engine thread, the only thread that ever calls MPI.
void init();
bool initialized();
void finalize();
int worldRank();
int worldSize();

// Control transport over MPI_COMM_WORLD. Never used inside a timed loop.
void barrier();
std::vector<char> bcast(const std::vector<char>& data, int root);
std::vector<std::vector<char>> gather(const std::vector<char>& data);  // filled on rank 0 only

// deviceMemory: buffers are GPU memory (a GPU-aware MPI takes them; host-side reductions cannot).
std::unique_ptr<Backend> makeBackend(bool deviceMemory);

}  // namespace ccb::mpi
