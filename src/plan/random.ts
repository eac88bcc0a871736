// The seeded random numbers of alltoallv's generated patterns (patterns.ts): the same on every
// rank and every run for one seed, with no state outside the generator.

/**
 * A uniform [0, 1) generator for (seed, row): a Weyl sequence (step 0x9e3779b9, the golden
 * ratio in 32 bits) through murmur3's 32-bit finaliser, as native/engine/check.cc hashes its data.
 */
export function prng(seed: number, row: number): () => number {
  let state = fmix(fmix(seed >>> 0) ^ (row + 0x632be5ab)) >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    return fmix(state) / 2 ** 32;
  };
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A Gamma(α, 1) draw: Marsaglia and Tsang, "A simple method for generating gamma variables", ACM
 * TOMS 26(3), 2000 (α ≥ 1; for α < 1, Gamma(α + 1)·U^(1/α), their §6), with normal draws from
 * the Box–Muller transform.
 */
export function gamma(alpha: number, rng: () => number): number {
  if (alpha < 1) return gamma(alpha + 1, rng) * (1 - rng()) ** (1 / alpha);
  const d = alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const z = Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    const v = (1 + c * z) ** 3;
    if (v <= 0) continue;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}
