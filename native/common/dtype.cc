#include "dtype.h"

#include <cmath>

namespace ccb {
namespace {

const DtypeInfo kDtypes[] = {
    {Dtype::Int8, "int8", 1, false, 127.0},
    {Dtype::Uint8, "uint8", 1, false, 255.0},
    {Dtype::Int32, "int32", 4, false, 2147483647.0},
    {Dtype::Uint32, "uint32", 4, false, 4294967295.0},
    {Dtype::Int64, "int64", 8, false, 9007199254740992.0},  // limited by the double we compute in
    {Dtype::Uint64, "uint64", 8, false, 9007199254740992.0},
    {Dtype::Float16, "float16", 2, true, 2048.0},
    {Dtype::Float32, "float32", 4, true, 16777216.0},
    {Dtype::Float64, "float64", 8, true, 9007199254740992.0},
    {Dtype::Bfloat16, "bfloat16", 2, true, 256.0},
    {Dtype::Float8e4m3, "float8e4m3", 1, true, 16.0},
    {Dtype::Float8e5m2, "float8e5m2", 1, true, 8.0},
};

const char* const kRedOps[] = {"sum", "prod", "max", "min", "avg"};

}  // namespace

const DtypeInfo* allDtypes(size_t* count) {
  *count = sizeof(kDtypes) / sizeof(kDtypes[0]);
  return kDtypes;
}

const DtypeInfo* dtypeByName(const char* name) {
  for (const auto& d : kDtypes)
    if (std::strcmp(d.name, name) == 0) return &d;
  return nullptr;
}

const DtypeInfo& dtypeInfo(Dtype id) { return kDtypes[static_cast<int>(id)]; }

const char* redOpName(RedOp op) { return kRedOps[static_cast<int>(op)]; }

bool redOpByName(const char* name, RedOp* out) {
  for (int i = 0; i < 5; ++i)
    if (std::strcmp(kRedOps[i], name) == 0) {
      *out = static_cast<RedOp>(i);
      return true;
    }
  return false;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        man <<= 1;
        ++e;
      } while (!(man & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | man << 13;
  } else {
    bits = sign | (exp + 112) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint16_t sign = (x >> 16) & 0x8000;
  uint32_t absx = x & 0x7fffffff;
  if (absx > 0x7f800000) return sign | 0x7e00;   // NaN
  if (absx >= 0x477ff000) return sign | 0x7c00;  // overflow to inf (after rounding)
  if (absx < 0x38800000) {                       // subnormal or zero in half
    if (absx < 0x33000000) return sign;
    uint32_t man = (absx & 0x7fffff) | 0x800000;
    int shift = 126 - int(absx >> 23);  // 14..24: value = man >> shift ulps
    uint32_t r = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1))) ++r;
    return sign | uint16_t(r);
  }
  uint32_t r = absx + 0xfff + ((absx >> 13) & 1);  // round to nearest even
  return sign | uint16_t((r - 0x38000000) >> 13);
}

uint16_t floatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000) return uint16_t((x >> 16) | 0x40);
  x += 0x7fff + ((x >> 16) & 1);
  return uint16_t(x >> 16);
}

namespace {
// Generic small-float codec: 1 sign bit, E exponent bits, M mantissa bits, bias B.
float fp8ToFloat(uint8_t v, int E, int M, int bias) {
  int sign = v >> 7;
  int exp = (v >> M) & ((1 << E) - 1);
  int man = v & ((1 << M) - 1);
  float mag = exp == 0 ? std::ldexp(float(man), 1 - bias - M) : std::ldexp(float(man | (1 << M)), exp - bias - M);
  return sign ? -mag : mag;
}
uint8_t floatToFp8(float f, int E, int M, int bias, float maxFinite) {
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7f;
  if (a > maxFinite) a = maxFinite;  // saturate (what fp8 conversions in NCCL tests do)
  uint8_t best = 0;
  float bestErr = INFINITY;
  for (int code = 0; code < 0x80; ++code) {  // fill/check only: clarity over speed
    float v = fp8ToFloat(uint8_t(code), E, M, bias);
    if (std::isnan(v) || std::isinf(v) || v > maxFinite) continue;
    float err = std::fabs(v - a);
    if (err < bestErr) {
      bestErr = err;
      best = uint8_t(code);
    }
  }
  return sign | best;
}
}  // namespace

float fp8e4m3ToFloat(uint8_t v) {
  if ((v & 0x7f) == 0x7f) return NAN;
  return fp8ToFloat(v, 4, 3, 7);
}
uint8_t floatToFp8e4m3(float f) { return floatToFp8(f, 4, 3, 7, 448.0f); }
float fp8e5m2ToFloat(uint8_t v) {
  if (((v >> 2) & 0x1f) == 0x1f) return (v & 3) ? NAN : ((v & 0x80) ? -INFINITY : INFINITY);
  return fp8ToFloat(v, 5, 2, 15);
}
uint8_t floatToFp8e5m2(float f) { return floatToFp8(f, 5, 2, 15, 57344.0f); }

double loadElement(Dtype t, const void* base, size_t i) {
  switch (t) {
    case Dtype::Int8: return static_cast<const int8_t*>(base)[i];
    case Dtype::Uint8: return static_cast<const uint8_t*>(base)[i];
    case Dtype::Int32: return static_cast<const int32_t*>(base)[i];
    case Dtype::Uint32: return static_cast<const uint32_t*>(base)[i];
    case Dtype::Int64: return double(static_cast<const int64_t*>(base)[i]);
    case Dtype::Uint64: return double(static_cast<const uint64_t*>(base)[i]);
    case Dtype::Float16: return halfToFloat(static_cast<const uint16_t*>(base)[i]);
    case Dtype::Float32: return static_cast<const float*>(base)[i];
    case Dtype::Float64: return static_cast<const double*>(base)[i];
    case Dtype::Bfloat16: return bf16ToFloat(static_cast<const uint16_t*>(base)[i]);
    case Dtype::Float8e4m3: return fp8e4m3ToFloat(static_cast<const uint8_t*>(base)[i]);
    case Dtype::Float8e5m2: return fp8e5m2ToFloat(static_cast<const uint8_t*>(base)[i]);
  }
  return NAN;
}

void storeElement(Dtype t, void* base, size_t i, double v) {
  switch (t) {
    case Dtype::Int8: static_cast<int8_t*>(base)[i] = int8_t(int64_t(v)); break;
    case Dtype::Uint8: static_cast<uint8_t*>(base)[i] = uint8_t(int64_t(v)); break;
    case Dtype::Int32: static_cast<int32_t*>(base)[i] = int32_t(int64_t(v)); break;
    case Dtype::Uint32: static_cast<uint32_t*>(base)[i] = uint32_t(int64_t(v)); break;
    case Dtype::Int64: static_cast<int64_t*>(base)[i] = int64_t(v); break;
    case Dtype::Uint64: static_cast<uint64_t*>(base)[i] = uint64_t(v); break;
    case Dtype::Float16: static_cast<uint16_t*>(base)[i] = floatToHalf(float(v)); break;
    case Dtype::Float32: static_cast<float*>(base)[i] = float(v); break;
    case Dtype::Float64: static_cast<double*>(base)[i] = v; break;
    case Dtype::Bfloat16: static_cast<uint16_t*>(base)[i] = floatToBf16(float(v)); break;
    case Dtype::Float8e4m3: static_cast<uint8_t*>(base)[i] = floatToFp8e4m3(float(v)); break;
    case Dtype::Float8e5m2: static_cast<uint8_t*>(base)[i] = floatToFp8e5m2(float(v)); break;
  }
}

}  // namespace ccb
