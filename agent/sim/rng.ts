// A small seeded uniform generator (mulberry32) for the simulator's own draws: latencies,
// failure times, who contributes. Protocol randomness uses the core's RandomSource.

export type Uniform = () => number;

export function uniform(seed: number): Uniform {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
