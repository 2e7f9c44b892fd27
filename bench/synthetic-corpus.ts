/** Deterministic synthetic chat turns for scale benchmarks (seeded PRNG, no data set). */
const SUBJECTS = ['I', 'My sister', 'Our team', 'My neighbour', 'The coach', 'My friend Sam', 'Grandma', 'The new manager'];
const VERBS = ['visited', 'painted', 'cooked', 'booked', 'fixed', 'planned', 'found', 'started', 'finished', 'adopted', 'bought', 'lost'];
const OBJECTS = ['a small garden', 'the old bicycle', 'a trip to Lisbon', 'a birthday cake', 'the kitchen sink', 'a pottery class', 'a rescue dog',
  'the marathon plan', 'a jazz concert', 'a camping weekend', 'the science project', 'a vegan recipe', 'a wedding album', 'the piano lesson'];
const TAILS = ['yesterday', 'last weekend', 'after work', 'with the kids', 'in the rain', 'for the first time', 'again', 'before the holidays',
  'near the lake', 'downtown', 'at the community centre', 'on Sunday morning'];

/** mulberry32 PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** `count` chat turns; each has a unique token so every item is distinct. */
export function syntheticTurns(count: number, seed = 42): string[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => `${pick(random, SUBJECTS)} ${pick(random, VERBS)} ${pick(random, OBJECTS)} ${pick(random, TAILS)} (note ${i.toString(36)}).`);
}

/** `count` queries in the corpus' vocabulary. */
export function syntheticQueries(count: number, seed = 7): string[] {
  const random = prng(seed);
  return Array.from({ length: count }, () => `Who ${pick(random, VERBS)} ${pick(random, OBJECTS)} ${pick(random, TAILS)}?`);
}
