// Element types, reduction operators and the fp16 / bf16 / fp8 conversions used by fill and check.
// Numeric ids equal NCCL's ncclDataType_t / ncclRedOp_t values (shared/reference/gpu-abi.md §4),
// so GPU backends pass them through unchanged.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ccb {

enum class Dtype : int {
  Int8 = 0,
  Uint8 = 1,
  Int32 = 2,
  Uint32 = 3,
  Int64 = 4,
  Uint64 = 5,
  Float16 = 6,
  Float32 = 7,
  Float64 = 8,
  Bfloat16 = 9,
  Float8e4m3 = 10,
  Float8e5m2 = 11,
};

enum class RedOp : int { Sum = 0, Prod = 1, Max = 2, Min = 3, Avg = 4 };

struct DtypeInfo {
  Dtype id;
  const char* name;
  size_t size;
  bool isFloat;
  // Largest integer magnitude the type holds exactly (sums above it wrap or round).
  double exactLimit;
};

const DtypeInfo* dtypeByName(const char* name);
const DtypeInfo& dtypeInfo(Dtype id);
const DtypeInfo* allDtypes(size_t* count);

const char* redOpName(RedOp op);
bool redOpByName(const char* name, RedOp* out);

// IEEE binary16 and bfloat16 <-> float, round to nearest even.
float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
inline float bf16ToFloat(uint16_t b) {
  uint32_t u = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
uint16_t floatToBf16(float f);
// OCP fp8 (E4M3 with no infinities, E5M2 IEEE-like); exact for the small integers check uses.
float fp8e4m3ToFloat(uint8_t v);
uint8_t floatToFp8e4m3(float f);
float fp8e5m2ToFloat(uint8_t v);
uint8_t floatToFp8e5m2(float f);

// Reads / writes element i of a typed buffer as a double (exact for the values check uses).
double loadElement(Dtype t, const void* base, size_t i);
void storeElement(Dtype t, void* base, size_t i, double v);

}  // namespace ccb
