/** mulberry32: small, fast and seeded, so every run (and every contender) gets the same inputs. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Seeded choices for generating benchmark inputs: a fraction, one of a list, or a whole number in `min..max`. */
export const seededChoices = (seed: number) => {
  const random = seededRandom(seed);
  return {
    random,
    pick: <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T,
    int: (min: number, max: number): number => min + Math.floor(random() * (max - min + 1)),
  };
};
