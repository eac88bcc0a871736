// Plumbing shared by the Node-API binding's files (addon.cc, addon_gpu.cc, addon_measure.cc, addon_auth.cc): every
// library call runs on the engine thread (worker.h) and its result comes back as a resolved promise.
#pragma once
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace ccb {

// Builds the resolved value on the JavaScript thread once the work is done.
using Finish = std::function<Napi::Value(Napi::Env)>;

// Runs `work` on the engine thread; a thrown ccb::Error rejects the promise with its code.
Napi::Value schedule(Napi::Env env, std::function<Finish()> work);

Napi::Value bufferFrom(Napi::Env env, const std::vector<char>& v);
std::vector<char> bytesOf(const Napi::Value& v);

// The open backend's communicators (0: the world; engine thread only) and the engine's state.
Comm& commByHandle(int h);
Device& engineDevice();
const Buffers& engineBuffers();
Progress& engineProgress();

inline std::string str(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::String>().Utf8Value(); }
inline double num(const Napi::Object& o, const char* key) { return o.Get(key).As<Napi::Number>().DoubleValue(); }
inline bool flag(const Napi::Object& o, const char* key) { return o.Get(key).ToBoolean().Value(); }

// addon_gpu.cc: gpuVendor, gpuInfo, ncclInfo, ncclUniqueId.
void registerGpuExports(Napi::Env env, Napi::Object exports);
// addon_measure.cc: measure, measureMix.
void registerMeasureExports(Napi::Env env, Napi::Object exports);
// addon_auth.cc: hmacSha256Hex, randomHex.
void registerAuthExports(Napi::Env env, Napi::Object exports);

}  // namespace ccb
