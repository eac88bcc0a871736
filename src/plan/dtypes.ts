// Element types. Order and names match native/common/dtype.cc (ids = NCCL's ncclDataType_t);
// test/registry.test.ts checks the two lists agree.

export interface DtypeDef {
  name: string;
  size: number; // bytes
  aliases: string[];
}

export const DTYPES: readonly DtypeDef[] = [
  { name: 'int8', size: 1, aliases: ['char', 'i8'] },
  { name: 'uint8', size: 1, aliases: ['u8'] },
  { name: 'int32', size: 4, aliases: ['int', 'i32'] },
  { name: 'uint32', size: 4, aliases: ['u32'] },
  { name: 'int64', size: 8, aliases: ['i64'] },
  { name: 'uint64', size: 8, aliases: ['u64'] },
  { name: 'float16', size: 2, aliases: ['half', 'fp16', 'f16'] },
  { name: 'float32', size: 4, aliases: ['float', 'fp32', 'f32'] },
  { name: 'float64', size: 8, aliases: ['double', 'fp64', 'f64'] },
  { name: 'bfloat16', size: 2, aliases: ['bf16'] },
  { name: 'float8e4m3', size: 1, aliases: ['fp8e4m3', 'f8e4m3'] },
  { name: 'float8e5m2', size: 1, aliases: ['fp8e5m2', 'f8e5m2'] },
];

export const REDOPS = ['sum', 'prod', 'max', 'min', 'avg'] as const;
export type RedOp = (typeof REDOPS)[number];

export function findDtype(name: string): DtypeDef | undefined {
  const key = name.trim().toLowerCase();
  return DTYPES.find((d) => d.name === key || d.aliases.includes(key));
}

export function dtypeSize(name: string): number {
  const d = findDtype(name);
  if (!d) throw new Error(`unknown dtype ${name}`);
  return d.size;
}
