// Seeded randomness per contract. Each contract draws from its own generator, seeded by the
// chain seed and the contract's identity, so its noise does not depend on which other
// contracts are listed or in what order: a tick at a new spot, or a grid listed at another
// price, gives a contract the same volume and open-interest noise.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** FNV-1a over the key's UTF-16 code units, started from the seed; murmur3's finaliser spreads the bits and folds in a seed's bits above 32. */
function contractSeed(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ (seed | 0);
  for (let index = 0; index < key.length; index++) {
    hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  }
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash ^= Math.imul(Math.trunc(seed / 0x1_0000_0000) | 0, 0x9e3779b1);
  return (hash ^ (hash >>> 16)) | 0;
}

/** Uniform and normal draws for one contract. */
export class ContractRandom {
  private readonly generator: RandomGenerator;

  constructor(seed: number, key: string) {
    this.generator = xoroshiro128plus(contractSeed(seed, key));
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.generator);
  }

  /** Standard normal, by Box–Muller (one of the pair is enough here). */
  normal(): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    return radius * Math.cos(2 * Math.PI * this.uniform());
  }
}
