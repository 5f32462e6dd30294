/**
 * A seeded pseudo-random source for fuzz tests (xorshift32): a failure can
 * be replayed from the seed it prints.
 */

/** Integers below `n` and picks from a list, all from `seed`. */
export function seededRandom(seed: number) {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { int, pick, next };
}
