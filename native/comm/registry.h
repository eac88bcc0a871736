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
// `peers`: every rank's address blob for backends that connect in two phases (Gloo), else empty.
std::unique_ptr<Backend> openBackend(const std::string& name, Device& dev, const std::vector<std::vector<char>>& peers);

}  // namespace ccb
