// The Gloo plugin's entry points (ccbench_gloo.so exports ccbench_gloo_table).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "comm.h"

namespace ccb::gloo {

constexpr int kTableAbi = 1;

struct Table {
  int abi;
  std::string (*libraryVersion)();
  std::vector<char> (*prepare)(int rank, int size, const std::string& host);
  std::unique_ptr<Backend> (*connect)(const std::vector<std::vector<char>>& blobs);
};

}  // namespace ccb::gloo

extern "C" __attribute__((visibility("default"))) const ccb::gloo::Table* ccbench_gloo_table();
