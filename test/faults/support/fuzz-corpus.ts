// What the fuzz suite sends: for every RPC of both services, request bodies drawn by
// fast-check from a fixed seed (so a run can be repeated byte for byte) in four kinds:
// random bytes, valid requests with their bytes mutated, well-formed messages full of
// extreme values (non-finite and huge numbers, out-of-range enums, long and odd unicode),
// and messages stuffed to just under and just over MAX_REQUEST_SIZE.
import fc from "fast-check";
import { stuffTo, withFiller } from "./fuzz-bodies.js";
import { mutate, mutation } from "./fuzz-mutations.js";
import type { FuzzTarget, TargetSpec } from "./fuzz-targets.js";

export type FuzzKind = "random bytes" | "mutated valid" | "extreme values" | "near size limit";

export interface FuzzCall {
  readonly target: FuzzTarget;
  readonly kind: FuzzKind;
  readonly body: Buffer;
}

/**
 * `perTarget` calls for every target, drawn from `seed`, plus four near the size limit (two
 * just under, two just over: a long string or filler, and many repeated entries).
 */
export function fuzzCorpus(
  targets: readonly TargetSpec[],
  { seed, perTarget, maxRequestBytes }: { seed: number; perTarget: number; maxRequestBytes: number },
): FuzzCall[] {
  const calls: FuzzCall[] = [];
  targets.forEach((target, index) => {
    const kinds = fc.oneof(
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((body) => ({ kind: "random bytes" as const, body })) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom(...target.valid), fc.array(mutation, { minLength: 1, maxLength: 4 }))
          .map(([valid, mutations]) => ({ kind: "mutated valid" as const, body: mutate(valid, mutations) })),
      },
      { weight: 2, arbitrary: target.extreme.map((body) => ({ kind: "extreme values" as const, body })) },
    );
    for (const { kind, body } of fc.sample(kinds, { seed: seed + index, numRuns: perTarget })) calls.push({ target, kind, body: Buffer.from(body) });
    const filler = (count: number): Uint8Array => withFiller(target.valid[0] ?? new Uint8Array(0), count);
    for (const targetBytes of [maxRequestBytes - 32, maxRequestBytes + 32]) {
      calls.push({ target, kind: "near size limit", body: Buffer.from(stuffTo(target.stuffed, targetBytes)) });
      calls.push({ target, kind: "near size limit", body: Buffer.from(stuffTo(filler, targetBytes)) });
    }
  });
  // Interleaved, in an order fixed by the seed, so that no service sees one RPC at a time.
  return fc.sample(fc.shuffledSubarray(calls, { minLength: calls.length, maxLength: calls.length }), { seed, numRuns: 1 })[0] ?? calls;
}
