// Reductions for the Gloo backend. Gloo moves bytes and calls a reduction function we give it,
// so every dtype works: the kernels widen fp16 / bf16 / fp8 to float, combine, and round back
// (nearest even), as the MPI backend does.
#include <gloo/reduce_scatter.h>

#include <cstring>
#include <type_traits>

#include "gloo_impl.h"

namespace ccb::gloo {
namespace {

// Element codecs: storage bits <-> the type arithmetic is done in.
template <class T>
struct Native {
  using Bits = T;
  static T get(T v) { return v; }
  static T put(T v) { return v; }
};
struct Half {
  using Bits = uint16_t;
  static float get(Bits b) { return halfToFloat(b); }
  static Bits put(float f) { return floatToHalf(f); }
};
struct Bf16 {
  using Bits = uint16_t;
  static float get(Bits b) { return bf16ToFloat(b); }
  static Bits put(float f) { return floatToBf16(f); }
};
struct E4m3 {
  using Bits = uint8_t;
  static float get(Bits b) { return fp8e4m3ToFloat(b); }
  static Bits put(float f) { return floatToFp8e4m3(f); }
};
struct E5m2 {
  using Bits = uint8_t;
  static float get(Bits b) { return fp8e5m2ToFloat(b); }
  static Bits put(float f) { return floatToFp8e5m2(f); }
};

template <RedOp R, class M>
inline M combineOne(M a, M b) {
  if constexpr (R == RedOp::Max) {
    return a < b ? b : a;
  } else if constexpr (R == RedOp::Min) {
    return b < a ? b : a;
  } else if constexpr (std::is_integral_v<M>) {  // wrap like the hardware: signed overflow is UB
    using U = std::make_unsigned_t<M>;
    return R == RedOp::Sum ? M(U(a) + U(b)) : M(U(a) * U(b));
  } else {
    return R == RedOp::Sum ? a + b : a * b;
  }
}

// memcpy loads and stores: the buffers are raw bytes to Gloo, and compilers turn these into
// plain (vectorisable) moves.
template <class C, RedOp R>
void combine(void* out, const void* x, const void* y, size_t n) {
  using B = typename C::Bits;
  auto* o = static_cast<unsigned char*>(out);
  const auto* px = static_cast<const unsigned char*>(x);
  const auto* py = static_cast<const unsigned char*>(y);
  for (size_t i = 0; i < n; ++i) {
    B a, b;
    std::memcpy(&a, px + i * sizeof(B), sizeof(B));
    std::memcpy(&b, py + i * sizeof(B), sizeof(B));
    const B r = C::put(combineOne<R>(C::get(a), C::get(b)));
    std::memcpy(o + i * sizeof(B), &r, sizeof(B));
  }
}

// Calls f(codec) for the dtype; f returns nullptr-able pointers.
template <class F>
auto withCodec(Dtype t, F&& f) {
  switch (t) {
    case Dtype::Int8: return f(Native<int8_t>{});
    case Dtype::Uint8: return f(Native<uint8_t>{});
    case Dtype::Int32: return f(Native<int32_t>{});
    case Dtype::Uint32: return f(Native<uint32_t>{});
    case Dtype::Int64: return f(Native<int64_t>{});
    case Dtype::Uint64: return f(Native<uint64_t>{});
    case Dtype::Float16: return f(Half{});
    case Dtype::Float32: return f(Native<float>{});
    case Dtype::Float64: return f(Native<double>{});
    case Dtype::Bfloat16: return f(Bf16{});
    case Dtype::Float8e4m3: return f(E4m3{});
    case Dtype::Float8e5m2: return f(E5m2{});
  }
  return decltype(f(Native<float>{})){};
}

template <class C>
Kernel kernelOf(RedOp r) {
  switch (r) {
    case RedOp::Sum: return &combine<C, RedOp::Sum>;
    case RedOp::Prod: return &combine<C, RedOp::Prod>;
    case RedOp::Max: return &combine<C, RedOp::Max>;
    case RedOp::Min: return &combine<C, RedOp::Min>;
    case RedOp::Avg: return nullptr;  // refused by unsupported()
  }
  return nullptr;
}

// Gloo's reduce-scatter is the class-style ReduceScatterHalvingDoubling<T>, where T only sets the
// element size and the reduction is a plain function on T; instantiate it on unsigned storage.
template <size_t N>
struct StorageOf;
template <>
struct StorageOf<1> {
  using type = uint8_t;
};
template <>
struct StorageOf<2> {
  using type = uint16_t;
};
template <>
struct StorageOf<4> {
  using type = uint32_t;
};
template <>
struct StorageOf<8> {
  using type = uint64_t;
};

template <class S, class C, RedOp R>
void accumulate(S* x, const S* y, size_t n) {
  combine<C, R>(x, x, y, n);
}

template <class S>
class HalvingDoubling final : public ReduceScatter {
 public:
  HalvingDoubling(const std::shared_ptr<::gloo::Context>& ctx, void* work, int total, std::vector<int> counts,
                  void (*fn)(S*, const S*, size_t))
      : fn_(::gloo::CUSTOM, fn),
        algo_(std::make_unique<::gloo::ReduceScatterHalvingDoubling<S>>(ctx, std::vector<S*>{static_cast<S*>(work)},
                                                                        total, std::move(counts), &fn_)) {}
  void run() override { algo_->run(); }

 private:
  ::gloo::ReductionFunction<S> fn_;  // before algo_, which keeps a pointer to it
  // Held by pointer: Gloo's Algorithm has a noexcept(false) destructor.
  std::unique_ptr<::gloo::ReduceScatterHalvingDoubling<S>> algo_;
};

template <class C, RedOp R>
std::unique_ptr<ReduceScatter> makeHalvingDoubling(const std::shared_ptr<::gloo::Context>& ctx, void* work,
                                                   size_t count) {
  using S = typename StorageOf<sizeof(typename C::Bits)>::type;
  return std::make_unique<HalvingDoubling<S>>(ctx, work, int(count) * ctx->size,
                                              std::vector<int>(size_t(ctx->size), int(count)), &accumulate<S, C, R>);
}

}  // namespace

Kernel kernelFor(Dtype t, RedOp r) {
  return withCodec(t, [r](auto c) { return kernelOf<decltype(c)>(r); });
}

std::unique_ptr<ReduceScatter> makeReduceScatter(const std::shared_ptr<::gloo::Context>& ctx, void* work, size_t count,
                                                 Dtype t, RedOp r) {
  return withCodec(t, [&](auto c) -> std::unique_ptr<ReduceScatter> {
    using C = decltype(c);
    switch (r) {
      case RedOp::Sum: return makeHalvingDoubling<C, RedOp::Sum>(ctx, work, count);
      case RedOp::Prod: return makeHalvingDoubling<C, RedOp::Prod>(ctx, work, count);
      case RedOp::Max: return makeHalvingDoubling<C, RedOp::Max>(ctx, work, count);
      case RedOp::Min: return makeHalvingDoubling<C, RedOp::Min>(ctx, work, count);
      case RedOp::Avg: return nullptr;  // refused by unsupported()
    }
    return nullptr;
  });
}

}  // namespace ccb::gloo
