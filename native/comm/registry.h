// Which communication backends this build has, and opening one by name.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "comm.h"

namespace ccb {

class Device;

struct BackendStatus {
  std::string name;
  bool available;
  std::string reason;  // why not, and how to fix it
};

std::vector<BackendStatus> backendStatus();

// What opening a backend takes; each backend reads its part.
struct OpenRequest {
  std::string name;
  Device* device = nullptr;
  std::vector<std::vector<char>> peers;  // Gloo: every rank's address blob
  std::vector<char> ncclId;              // NCCL / RCCL: the unique id rank 0 made
  int rank = 0, size = 1;
  std::string ncclLib;  // --nccl-lib ("" = search)
  bool fp8Hardware = false;
};

std::unique_ptr<Backend> openBackend(const OpenRequest& r);

}  // namespace ccb
