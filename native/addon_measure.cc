// The Node-API calls that time: measure (one point, or --concurrent copies), measureMix and replay.
// Specs are converted here; the timing itself is the engine's (engine/), on the engine thread.
#include <napi.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "binding.h"
#include "common/dtype.h"
#include "engine/concurrent.h"
#include "engine/engine.h"
#include "engine/replay.h"

namespace ccb {
namespace {

// A measurement's spec from JavaScript; false (with a TypeError thrown) for an unknown name.
bool specOf(Napi::Env env, Napi::Object o, MeasureSpec& spec) {
  spec.op = opByName(str(o, "op").c_str());
  const DtypeInfo* dt = dtypeByName(str(o, "dtype").c_str());
  RedOp redop = RedOp::Sum;
  if (!spec.op || !dt || !redOpByName(str(o, "redop").c_str(), &redop)) {
    Napi::TypeError::New(env, "measure: unknown op, dtype or redop").ThrowAsJavaScriptException();
    return false;
  }
  spec.dtype = dt->id;
  spec.redop = redop;
  spec.root = int(num(o, "root"));
  spec.count = size_t(num(o, "count"));
  spec.inPlace = flag(o, "inPlace");
  spec.iters = int(num(o, "iters"));
  spec.warmup = int(num(o, "warmup"));
  spec.maxTimeSec = num(o, "maxTimeSec");
  const std::string timing = str(o, "timing");
  spec.timing = timing == "batch" ? Timing::Batch : timing == "overlap" ? Timing::Overlap : Timing::PerOp;
  spec.window = int(num(o, "window"));
  spec.check = flag(o, "check");
  spec.graphLaunches = o.Has("graphLaunches") ? int(num(o, "graphLaunches")) : 0;
  if (o.Has("matrix") && o.Get("matrix").IsTypedArray()) {  // alltoallv's counts, as a Float64Array
    Napi::Float64Array m = o.Get("matrix").As<Napi::Float64Array>();
    spec.matrix.assign(m.Data(), m.Data() + m.ElementLength());
  }
  return true;
}

Napi::Object resultObject(Napi::Env env, const MeasureResult& res) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Float64Array samples = Napi::Float64Array::New(env, res.samplesUs.size());
  std::copy(res.samplesUs.begin(), res.samplesUs.end(), samples.Data());
  out.Set("samples", samples);
  out.Set("meanUs", res.meanUs);
  out.Set("iters", res.iters);
  out.Set("warmup", res.warmup);
  out.Set("reporter", res.reporter);
  out.Set("wrong", double(res.wrong));
  if (res.aloneUs >= 0) {
    out.Set("aloneUs", res.aloneUs);
    Napi::Float64Array each = Napi::Float64Array::New(env, res.copyUs.size());
    std::copy(res.copyUs.begin(), res.copyUs.end(), each.Data());
    out.Set("copyUs", each);
  }
  if (res.pureUs >= 0) {
    out.Set("pureUs", res.pureUs);
    out.Set("computeUs", res.computeUs);
  }
  return out;
}

Napi::Value Measure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int handle = info[0].As<Napi::Number>().Int32Value();
  Napi::Object o = info[1].As<Napi::Object>();
  MeasureSpec spec;
  if (!specOf(env, o, spec)) return env.Undefined();
  // --concurrent: the handles of the point communicator's copies (addon.split of the same ranks).
  std::vector<int> copies;
  if (o.Has("copies") && o.Get("copies").IsArray()) {
    Napi::Array a = o.Get("copies").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) copies.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  }
  return schedule(env, [handle, spec, copies]() -> Finish {
    std::vector<Comm*> comms{&commByHandle(handle)};
    for (int h : copies) comms.push_back(&commByHandle(h));
    auto res = std::make_shared<MeasureResult>(
        comms.size() > 1 ? measureConcurrent(comms, engineDevice(), engineBuffers(), spec, engineProgress())
                         : measure(*comms[0], engineDevice(), engineBuffers(), spec, engineProgress()));
    return [res](Napi::Env env) { return resultObject(env, *res); };
  });
}

// `ccbench mix`: [[handle, spec], ...], every item at once on its own communicator.
Napi::Value MeasureMix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array a = info[0].As<Napi::Array>();
  std::vector<int> handles;
  std::vector<MeasureSpec> specs;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Array pair = a.Get(i).As<Napi::Array>();
    handles.push_back(pair.Get(uint32_t(0)).As<Napi::Number>().Int32Value());
    specs.emplace_back();
    if (!specOf(env, pair.Get(uint32_t(1)).As<Napi::Object>(), specs.back())) return env.Undefined();
  }
  return schedule(env, [handles, specs]() -> Finish {
    std::vector<Comm*> comms;
    for (int h : handles) comms.push_back(&commByHandle(h));
    auto res = std::make_shared<std::vector<MeasureResult>>(
        measureMix(comms, specs, engineDevice(), engineBuffers(), engineProgress()));
    return [res](Napi::Env env) {
      Napi::Array out = Napi::Array::New(env, res->size());
      for (size_t i = 0; i < res->size(); ++i) out.Set(uint32_t(i), resultObject(env, (*res)[i]));
      return out;
    };
  });
}

// ccbench replay: (handles, entries, {warmup, iterations, gaps}); handles[i] is entry comm i's.
Napi::Value Replay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array h = info[0].As<Napi::Array>();
  Napi::Array a = info[1].As<Napi::Array>();
  Napi::Object o = info[2].As<Napi::Object>();
  std::vector<int> handles;
  for (uint32_t i = 0; i < h.Length(); ++i) handles.push_back(h.Get(i).As<Napi::Number>().Int32Value());
  auto entries = std::make_shared<std::vector<ReplayEntry>>(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Object x = a.Get(i).As<Napi::Object>();
    ReplayEntry& e = (*entries)[i];
    const std::string kind = str(x, "kind");
    if (kind == "gap") {
      e.kind = EntryKind::Gap;
      e.gapUs = num(x, "gapUs");
    } else if (kind == "send" || kind == "recv") {
      e.kind = EntryKind::P2p;
      e.p2p = P2p{kind == "send", int(num(x, "peer")), size_t(num(x, "offset")), size_t(num(x, "bytes"))};
    } else {
      e.op = opByName(str(x, "op").c_str());
      const DtypeInfo* dt = dtypeByName(str(x, "dtype").c_str());
      if (!e.op || !dt || !redOpByName(str(x, "redop").c_str(), &e.args.redop)) {
        Napi::TypeError::New(env, "replay: unknown op, dtype or redop").ThrowAsJavaScriptException();
        return env.Undefined();
      }
      e.comm = int(num(x, "comm"));
      e.args.dtype = dt->id;
      e.args.count = size_t(num(x, "count"));
      e.args.root = int(num(x, "root"));
      if (x.Has("matrix") && x.Get("matrix").IsTypedArray()) {
        Napi::Float64Array m = x.Get("matrix").As<Napi::Float64Array>();
        e.matrix.assign(m.Data(), m.Data() + m.ElementLength());
      }
    }
  }
  const int warmup = int(num(o, "warmup")), iterations = int(num(o, "iterations"));
  const bool gaps = flag(o, "gaps");
  return schedule(env, [handles, entries, warmup, iterations, gaps]() -> Finish {
    std::vector<Comm*> comms;
    for (int x : handles) comms.push_back(x < 0 ? nullptr : &commByHandle(x));
    auto res = std::make_shared<ReplayResult>(
        replay(comms, engineDevice(), engineBuffers(), *entries, warmup, iterations, gaps, engineProgress()));
    return [res](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      Napi::Float64Array e = Napi::Float64Array::New(env, res->entryUs.size());
      std::copy(res->entryUs.begin(), res->entryUs.end(), e.Data());
      Napi::Float64Array it = Napi::Float64Array::New(env, res->iterationUs.size());
      std::copy(res->iterationUs.begin(), res->iterationUs.end(), it.Data());
      out.Set("entryUs", e);
      out.Set("iterationUs", it);
      return out;
    };
  });
}

}  // namespace

void registerMeasureExports(Napi::Env env, Napi::Object exports) {
  exports.Set("measure", Napi::Function::New(env, Measure));
  exports.Set("measureMix", Napi::Function::New(env, MeasureMix));
  exports.Set("replay", Napi::Function::New(env, Replay));
}

}  // namespace ccb
