// A seeded PRNG for property tests: the same seed gives the same inputs, so a failure can be replayed.

/** xorshift32: small, seeded, good enough to shuffle test inputs. Returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x1_0000_0000;
  };
}
