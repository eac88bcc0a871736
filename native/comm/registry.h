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
std::unique_ptr<Backend> openBackend(const std::string& name, Device& dev);

}  // namespace ccb
