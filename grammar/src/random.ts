// A tiny seeded PRNG (mulberry32, the same generator as src/base/prng.ts, which grammar/ may not
// import) for ${_RANDOM}: keepalived seeds random() from `random_seed`, we from
// ParseOptions.randomSeed, so a parse is reproducible.

export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 2^31), like random(3). */
  nextU31(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) >>> 1;
  }
}
