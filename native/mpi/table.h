// The MPI plugin's entry points (ccbench_mpi.so exports ccbench_mpi_table). Same compiler, same
// build: C++ types cross the boundary as they are.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "../comm/comm.h"

namespace ccb::mpi {

constexpr int kTableAbi = 2;

struct Table {
  int abi;
  std::string (*libraryVersion)();
  void (*init)();
  bool (*initialized)();
  void (*finalize)();
  int (*worldRank)();
  int (*worldSize)();
  void (*barrier)();
  std::vector<char> (*bcast)(const std::vector<char>&, int);
  std::vector<std::vector<char>> (*gather)(const std::vector<char>&);
  std::unique_ptr<Backend> (*makeBackend)(bool deviceMemory);
  std::string (*gpuAwareness)();
};

}  // namespace ccb::mpi

extern "C" __attribute__((visibility("default"))) const ccb::mpi::Table* ccbench_mpi_table();
