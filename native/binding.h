// Plumbing shared by the Node-API binding's files (addon.cc, addon_gpu.cc): every library call
// runs on the engine thread (worker.h) and its result comes back as a resolved promise.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

namespace ccb {

// Builds the resolved value on the JavaScript thread once the work is done.
using Finish = std::function<Napi::Value(Napi::Env)>;

// Runs `work` on the engine thread; a thrown ccb::Error rejects the promise with its code.
Napi::Value schedule(Napi::Env env, std::function<Finish()> work);

Napi::Value bufferFrom(Napi::Env env, const std::vector<char>& v);
std::vector<char> bytesOf(const Napi::Value& v);

// addon_gpu.cc: gpuVendor, gpuInfo, ncclInfo, ncclUniqueId.
void registerGpuExports(Napi::Env env, Napi::Object exports);

}  // namespace ccb
