// The Node-API binding: argument conversion and promise plumbing only. Every backend, device and
// MPI call runs on the engine thread (worker.h); results come back through a thread-safe function.
#include <napi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "comm/gloo.h"
#include "comm/registry.h"
#include "gpu/info.h"
#include "gpu/nccl_api.h"
#include "gpu/runtime.h"
#include "common/error.h"
#include "device/device.h"
#include "engine/engine.h"
#include "mpi/mpi.h"
#include "binding.h"
#include "worker.h"

namespace ccb {
namespace {

struct State {
  Worker worker;
  std::unique_ptr<Device> device;
  std::unique_ptr<Backend> backend;
  std::vector<std::unique_ptr<Comm>> subComms;  // handle i+1; handle 0 is the backend's world
  Buffers buffers;
  Progress progress;
};
// Never destroyed: the engine thread may be blocked in a library call when the process exits.
State& state() {
  static State* s = new State();
  return *s;
}

}  // namespace

struct Pending {
  Napi::Promise::Deferred deferred;
  Finish finish;
  bool failed = false;
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
};

// Runs `work` on the engine thread; its returned Finish builds the resolved value on the JS thread.
Napi::Value schedule(Napi::Env env, std::function<Finish()> work) {
  auto* p = new Pending{Napi::Promise::Deferred::New(env), nullptr, false, ErrorKind::Internal, {}};
  Napi::Promise promise = p->deferred.Promise();
  auto tsfn = Napi::ThreadSafeFunction::New(env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}),
                                            "ccbench-engine", 0, 1);
  state().worker.post([p, tsfn, work = std::move(work)]() mutable {
    try {
      p->finish = work();
    } catch (const Error& e) {
      p->failed = true;
      p->kind = e.kind();
      p->message = e.what();
    } catch (const std::exception& e) {
      p->failed = true;
      p->message = e.what();
    }
    tsfn.BlockingCall(p, [](Napi::Env env, Napi::Function, Pending* q) {
      if (q->failed) {
        Napi::Error err = Napi::Error::New(env, q->message);
        err.Set("code", Napi::String::New(env, errorCode(q->kind)));
        q->deferred.Reject(err.Value());
      } else {
        q->deferred.Resolve(q->finish ? q->finish(env) : env.Undefined());
      }
      delete q;
    });
    tsfn.Release();
  });
  return promise;
}

Napi::Value bufferFrom(Napi::Env env, const std::vector<char>& v) {
  return Napi::Buffer<char>::Copy(env, v.data(), v.size());
}

std::vector<char> bytesOf(const Napi::Value& v) {
  auto b = v.As<Napi::Buffer<char>>();
  return std::vector<char>(b.Data(), b.Data() + b.Length());
}

Comm& commByHandle(int h) {
  State& s = state();
  if (!s.backend) throw Error(ErrorKind::Internal, "no backend is open");
  if (h == 0) return s.backend->world();
  if (h < 1 || size_t(h) > s.subComms.size() || !s.subComms[size_t(h) - 1])
    throw Error(ErrorKind::Internal, "bad communicator handle");
  return *s.subComms[size_t(h) - 1];
}

Device& engineDevice() { return *state().device; }
const Buffers& engineBuffers() { return state().buffers; }
Progress& engineProgress() { return state().progress; }

namespace {

Finish undefinedResult() {
  return [](Napi::Env env) { return env.Undefined(); };
}

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  size_t nOps = 0, nTypes = 0;
  const OpInfo* ops = allOps(&nOps);
  Napi::Array opArr = Napi::Array::New(env, nOps);
  for (size_t i = 0; i < nOps; ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", ops[i].name);
    o.Set("minRanks", ops[i].minRanks);
    o.Set("evenRanks", ops[i].evenRanks);
    o.Set("reduces", ops[i].reduces);
    o.Set("rooted", ops[i].rooted);
    o.Set("hasInPlace", ops[i].hasInPlace);
    o.Set("pairwise", ops[i].pairwise);
    o.Set("shape", shapeName(ops[i].shape));
    o.Set("barrierPerIter", ops[i].barrierPerIter);
    o.Set("sample", sampleName(ops[i].sample));
    o.Set("minCount", double(ops[i].minCount));
    opArr.Set(uint32_t(i), o);
  }
  out.Set("ops", opArr);
  const DtypeInfo* types = allDtypes(&nTypes);
  Napi::Array typeArr = Napi::Array::New(env, nTypes);
  for (size_t i = 0; i < nTypes; ++i) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", types[i].name);
    o.Set("id", int(types[i].id));
    o.Set("size", double(types[i].size));
    typeArr.Set(uint32_t(i), o);
  }
  out.Set("dtypes", typeArr);
  Napi::Array backends = Napi::Array::New(env);
  for (const auto& b : backendStatus()) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", b.name);
    o.Set("available", b.available);
    o.Set("reason", b.reason);
    backends.Set(backends.Length(), o);
  }
  out.Set("backends", backends);
  out.Set("mpiLibrary", mpi::libraryVersion());
  out.Set("glooLibrary", gloo::available() ? gloo::libraryVersion() : "");
  return out;
}

Napi::Value BufferElems(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const OpInfo* op = opByName(info[0].As<Napi::String>().Utf8Value().c_str());
  if (!op) return env.Null();
  const size_t count = size_t(info[1].As<Napi::Number>().DoubleValue());
  const int n = info[2].As<Napi::Number>().Int32Value();
  Napi::Object out = Napi::Object::New(env);
  out.Set("send", double(sendElems(*op, count, n)));
  out.Set("recv", double(recvElems(*op, count, n)));
  return out;
}

Napi::Value MpiInit(const Napi::CallbackInfo& info) {
  return schedule(info.Env(), []() -> Finish {
    mpi::init();
    const int rank = mpi::worldRank(), size = mpi::worldSize();
    return [rank, size](Napi::Env env) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("rank", rank);
      o.Set("size", size);
      return o;
    };
  });
}

Napi::Value GlooPrepare(const Napi::CallbackInfo& info) {
  const int rank = info[0].As<Napi::Number>().Int32Value(), size = info[1].As<Napi::Number>().Int32Value();
  const std::string host = info[2].As<Napi::String>().Utf8Value();
  return schedule(info.Env(), [rank, size, host]() -> Finish {
    auto blob = std::make_shared<std::vector<char>>(gloo::prepare(rank, size, host));
    return [blob](Napi::Env env) { return bufferFrom(env, *blob); };
  });
}

// fp8 the way ccbench's check writes it (OCP E4M3/E5M2): NVIDIA from compute capability 9.0;
// AMD from gfx950 (gfx94x computes FNUZ fp8, which --check cannot validate, gpu-abi.md §8).
bool fp8Hardware(const std::string& arch) {
  if (arch.rfind("sm_", 0) == 0) return std::atoi(arch.c_str() + 3) >= 90;
  if (arch.rfind("gfx", 0) == 0) return std::atoi(arch.c_str() + 3) >= 950;
  return false;
}

// open(name, {peers?, id?, rank?, size?, gpu?, mem?, lib?}): the device first (GPU for nccl/rccl
// and for --mem device), then the backend on it.
Napi::Value Open(const Napi::CallbackInfo& info) {
  OpenRequest r;
  r.name = info[0].As<Napi::String>().Utf8Value();
  std::string mem = "host";
  int gpuIndex = 0;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("peers")) {
      Napi::Array a = o.Get("peers").As<Napi::Array>();
      for (uint32_t i = 0; i < a.Length(); ++i) r.peers.push_back(bytesOf(a.Get(i)));
    }
    if (o.Has("id")) r.ncclId = bytesOf(o.Get("id"));
    if (o.Has("rank")) r.rank = int(num(o, "rank"));
    if (o.Has("size")) r.size = int(num(o, "size"));
    if (o.Has("gpu")) gpuIndex = int(num(o, "gpu"));
    if (o.Has("mem")) mem = str(o, "mem");
    if (o.Has("lib")) r.ncclLib = str(o, "lib");
  }
  return schedule(info.Env(), [r, mem, gpuIndex]() mutable -> Finish {
    State& s = state();
    const bool gpuBackend = r.name == "nccl" || r.name == "rccl";
    if (gpuBackend || mem == "device") {
      // RCCL first: the HIP runtime must be the one librccl uses (one per process, gpu-abi.md §9).
      if (r.name == "rccl") gpu::ncclApi(true, r.ncclLib);
      const gpu::Vendor v = r.name == "nccl"   ? gpu::Vendor::Nvidia
                            : r.name == "rccl" ? gpu::Vendor::Amd
                                               : gpu::detectVendor();
      const gpu::Runtime& rt = gpu::runtime(v);
      s.device = makeGpuDevice(rt, gpuIndex);
      r.fp8Hardware = fp8Hardware(rt.arch(gpuIndex));
    } else if (!s.device) {
      s.device = makeHostDevice();
    }
    r.device = s.device.get();
    s.backend = openBackend(r);
    Comm& w = s.backend->world();
    const int rank = w.rank(), size = w.size();
    const std::string lib = s.backend->library(), dev = s.device->describe();
    return [rank, size, lib, dev](Napi::Env env) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("rank", rank);
      o.Set("size", size);
      o.Set("library", lib);
      o.Set("device", dev);
      return o;
    };
  });
}

Napi::Value Split(const Napi::CallbackInfo& info) {
  const int k = info[0].As<Napi::Number>().Int32Value();
  const std::vector<char> bootstrap = info.Length() > 1 && info[1].IsBuffer() ? bytesOf(info[1]) : std::vector<char>{};
  return schedule(info.Env(), [k, bootstrap]() -> Finish {
    State& s = state();
    auto sub = commByHandle(0).split(k, bootstrap);
    int handle = -1;
    if (sub) {
      s.subComms.push_back(std::move(sub));
      handle = int(s.subComms.size());
    }
    return [handle](Napi::Env env) { return Napi::Number::New(env, handle); };
  });
}

// --groups and ccbench replay: a sub-group (color, members); collective over the world.
Napi::Value Subgroup(const Napi::CallbackInfo& info) {
  const int color = info[0].As<Napi::Number>().Int32Value();
  Napi::Array a = info[1].As<Napi::Array>();
  std::vector<int> members;
  for (uint32_t i = 0; i < a.Length(); ++i) members.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  return schedule(info.Env(), [color, members]() -> Finish {
    State& s = state();
    auto sub = commByHandle(0).subgroup(color, members);
    int handle = -1;  // a rank outside the group (ccbench replay forms one group at a time)
    if (sub) {
      s.subComms.push_back(std::move(sub));
      handle = int(s.subComms.size());
    }
    return [handle](Napi::Env env) { return Napi::Number::New(env, handle); };
  });
}

Napi::Value Allocate(const Napi::CallbackInfo& info) {
  const size_t sendBytes = size_t(info[0].As<Napi::Number>().DoubleValue());
  const size_t recvBytes = size_t(info[1].As<Napi::Number>().DoubleValue());
  return schedule(info.Env(), [sendBytes, recvBytes]() -> Finish {
    State& s = state();
    Buffers& b = s.buffers;
    Device& d = *s.device;
    if (b.send) d.release(b.send);
    if (b.recv) d.release(b.recv);
    if (b.staging) std::free(b.staging);
    b = Buffers{};
    b.send = d.alloc(sendBytes);
    b.sendBytes = sendBytes;
    b.recv = d.alloc(recvBytes);
    b.recvBytes = recvBytes;
    if (!d.hostAccessible()) {
      b.stagingBytes = std::max(sendBytes, recvBytes);
      b.staging = std::malloc(std::max<size_t>(b.stagingBytes, 1));  // malloc(0) may return nullptr
      if (!b.staging) throw Error(ErrorKind::Usage, "could not allocate host staging memory");
    }
    return undefinedResult();
  });
}

// MPI's GPU-awareness from its extensions; needs MPI initialised (on the engine thread).
Napi::Value MpiGpuAwareness(const Napi::CallbackInfo& info) {
  return schedule(info.Env(), []() -> Finish {
    const std::string a = mpi::gpuAwareness();
    return [a](Napi::Env env) { return Napi::String::New(env, a); };
  });
}

Napi::Value ControlBarrier(const Napi::CallbackInfo& info) {
  return schedule(info.Env(), []() -> Finish {
    mpi::barrier();
    return undefinedResult();
  });
}

Napi::Value ControlBcast(const Napi::CallbackInfo& info) {
  const std::vector<char> data = bytesOf(info[0]);
  const int root = info[1].As<Napi::Number>().Int32Value();
  return schedule(info.Env(), [data, root]() -> Finish {
    auto out = std::make_shared<std::vector<char>>(mpi::bcast(data, root));
    return [out](Napi::Env env) { return bufferFrom(env, *out); };
  });
}

Napi::Value ControlGather(const Napi::CallbackInfo& info) {
  const std::vector<char> data = bytesOf(info[0]);
  return schedule(info.Env(), [data]() -> Finish {
    auto parts = std::make_shared<std::vector<std::vector<char>>>(mpi::gather(data));
    const bool root = mpi::worldRank() == 0;
    return [parts, root](Napi::Env env) -> Napi::Value {
      if (!root) return env.Null();
      Napi::Array arr = Napi::Array::New(env, parts->size());
      for (size_t i = 0; i < parts->size(); ++i) arr.Set(uint32_t(i), bufferFrom(env, (*parts)[i]));
      return arr;
    };
  });
}

Napi::Value GetProgress(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  const Progress& p = state().progress;
  static const char* const phases[] = {"idle", "warmup", "timed", "check"};
  o.Set("phase", phases[p.phase.load(std::memory_order_relaxed)]);
  o.Set("iteration", double(p.iteration.load(std::memory_order_relaxed)));
  return o;
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  return schedule(info.Env(), []() -> Finish {
    State& s = state();
    if (s.device) {
      if (s.buffers.send) s.device->release(s.buffers.send);
      if (s.buffers.recv) s.device->release(s.buffers.recv);
    }
    std::free(s.buffers.staging);
    s.buffers = Buffers{};
    s.subComms.clear();
    s.backend.reset();
    mpi::finalize();
    return undefinedResult();
  });
}

// Last resort, called from the JavaScript thread while the engine thread may be stuck in a library
// call: leave without running exit handlers (the launcher then ends the other ranks).
// The job is ending: backends that poll (NCCL) abort their communicator at the next poll.
Napi::Value RequestAbort(const Napi::CallbackInfo& info) {
  requestAbort();
  return info.Env().Undefined();
}

Napi::Value HardExit(const Napi::CallbackInfo& info) {
  std::fflush(nullptr);
  _exit(info[0].As<Napi::Number>().Int32Value());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, Capabilities));
  exports.Set("bufferElems", Napi::Function::New(env, BufferElems));
  exports.Set("mpiInit", Napi::Function::New(env, MpiInit));
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("glooPrepare", Napi::Function::New(env, GlooPrepare));
  exports.Set("split", Napi::Function::New(env, Split));
  exports.Set("subgroup", Napi::Function::New(env, Subgroup));
  exports.Set("allocate", Napi::Function::New(env, Allocate));
  exports.Set("controlBarrier", Napi::Function::New(env, ControlBarrier));
  exports.Set("controlBcast", Napi::Function::New(env, ControlBcast));
  exports.Set("controlGather", Napi::Function::New(env, ControlGather));
  exports.Set("progress", Napi::Function::New(env, GetProgress));
  exports.Set("close", Napi::Function::New(env, Close));
  exports.Set("hardExit", Napi::Function::New(env, HardExit));
  exports.Set("requestAbort", Napi::Function::New(env, RequestAbort));
  exports.Set("mpiGpuAwareness", Napi::Function::New(env, MpiGpuAwareness));
  registerGpuExports(env, exports);
  registerMeasureExports(env, exports);
  registerAuthExports(env, exports);
  return exports;
}

}  // namespace
}  // namespace ccb

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return ccb::Init(env, exports); }
NODE_API_MODULE(ccbench, InitModule)
