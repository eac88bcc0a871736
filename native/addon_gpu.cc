// The binding's GPU queries: which GPUs this node has (without touching them, or all of them for
// `ccbench info`), which NCCL / RCCL would load, and unique ids for new communicators.
#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "binding.h"
#include "common/error.h"
#include "gpu/info.h"
#include "gpu/nccl_api.h"
#include "gpu/runtime.h"

namespace ccb {
namespace {

// {vendor: "nvidia" | "amd", count, runtime, runtimeVersion, driverVersion, runtimePath} for
// this node's GPUs, or null. Counts devices only: no context is created, so every rank may ask.
Napi::Value GpuVendor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    const gpu::Vendor v = gpu::detectVendor();
    const gpu::Runtime& rt = gpu::runtime(v);
    int n = 0;
    rt.getDeviceCount(&n);
    Napi::Object o = Napi::Object::New(env);
    o.Set("vendor", v == gpu::Vendor::Nvidia ? "nvidia" : "amd");
    o.Set("count", n);
    o.Set("runtime", rt.name);
    o.Set("runtimeVersion", gpu::runtimeVersionString(v, rt.runtimeVersion));
    o.Set("driverVersion", gpu::runtimeVersionString(v, rt.driverVersion));
    o.Set("runtimePath", rt.path);
    return o;
  } catch (const std::exception&) {
    return env.Null();
  }
}

// `ccbench info`: the runtime, driver and every GPU of this node (touches each GPU).
Napi::Value GpuInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const gpu::NodeGpuInfo n = gpu::probeGpus();
  Napi::Object o = Napi::Object::New(env);
  o.Set("runtime", n.runtime);
  o.Set("runtimePath", n.runtimePath);
  const gpu::Vendor v = n.runtime == "HIP" ? gpu::Vendor::Amd : gpu::Vendor::Nvidia;
  o.Set("runtimeVersion", n.runtime.empty() ? "" : gpu::runtimeVersionString(v, n.runtimeVersion));
  o.Set("driverVersion", n.runtime.empty() ? "" : gpu::runtimeVersionString(v, n.driverVersion));
  o.Set("error", n.error);
  Napi::Array gpus = Napi::Array::New(env, n.gpus.size());
  for (size_t i = 0; i < n.gpus.size(); ++i) {
    const gpu::GpuInfo& g = n.gpus[i];
    Napi::Object x = Napi::Object::New(env);
    x.Set("index", g.index);
    x.Set("name", g.name);
    x.Set("pciBusId", g.pciBusId);
    x.Set("arch", g.arch);
    x.Set("memoryBytes", double(g.totalBytes));
    x.Set("multiprocessors", g.multiprocessors);
    gpus.Set(uint32_t(i), x);
  }
  o.Set("gpus", gpus);
  return o;
}

// {library, version, rccl} of NCCL (or RCCL), or {error}.
Napi::Value NcclInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  try {
    const gpu::NcclApi& api = gpu::ncclApi(info[0].ToBoolean().Value(), info[1].As<Napi::String>().Utf8Value());
    o.Set("library", api.describe());
    o.Set("path", api.path);
    o.Set("version", std::to_string(api.version.major) + "." + std::to_string(api.version.minor) + "." +
                         std::to_string(api.version.patch));
    o.Set("rccl", api.rccl);
  } catch (const std::exception& e) {
    o.Set("error", e.what());
  }
  return o;
}

// A fresh NCCL / RCCL unique id (rank 0 makes one per communicator; the control plane spreads it).
Napi::Value NcclUniqueId(const Napi::CallbackInfo& info) {
  const bool rccl = info[0].ToBoolean().Value();
  const std::string lib = info[1].As<Napi::String>().Utf8Value();
  return schedule(info.Env(), [rccl, lib]() -> Finish {
    const gpu::NcclApi& api = gpu::ncclApi(rccl, lib);
    auto id = std::make_shared<std::vector<char>>(sizeof(gpu::NcclUniqueId));
    const int rc = api.getUniqueId(reinterpret_cast<gpu::NcclUniqueId*>(id->data()));
    if (rc != gpu::kNcclSuccess) throw Error(ErrorKind::Internal, "ncclGetUniqueId failed: " + api.error(rc, nullptr));
    return [id](Napi::Env env) { return bufferFrom(env, *id); };
  });
}

}  // namespace

void registerGpuExports(Napi::Env env, Napi::Object exports) {
  exports.Set("gpuVendor", Napi::Function::New(env, GpuVendor));
  exports.Set("gpuInfo", Napi::Function::New(env, GpuInfo));
  exports.Set("ncclInfo", Napi::Function::New(env, NcclInfo));
  exports.Set("ncclUniqueId", Napi::Function::New(env, NcclUniqueId));
}

}  // namespace ccb
