// The iron search's queue of groups (services/engine/bound-queue.ts): groups come out best
// bound first, equal bounds in the order pushed, whatever the bounds' signs and sizes, as a
// plain sort of the same pairs orders them; what is left is listed by slot.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundQueue } from "../../../services/engine/bound-queue.js";

const boundArbitrary = fc.oneof(
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity),
  fc.double({ min: 0.998, max: 1, noNaN: true }),
);

describe("the queue of groups by bound", () => {
  it("gives the groups best bound first, equal bounds in the order pushed", () => {
    fc.assert(
      fc.property(fc.array(boundArbitrary, { maxLength: 3000 }), fc.integer({ min: 0, max: 3000 }), (bounds, taken) => {
        const queue = new BoundQueue();
        bounds.forEach((bound, group) => queue.push(bound, group));
        queue.sort();
        // −0 and 0 are one bound to the search (it compares them as equal).
        const expected = bounds
          .map((bound, group) => ({ bound: bound === 0 ? 0 : bound, group }))
          .sort((a, b) => (a.bound === b.bound ? a.group - b.group : b.bound - a.bound));
        const take = Math.min(taken, bounds.length);
        for (let index = 0; index < take; index++) {
          const { bound, group } = expected[index] as { bound: number; group: number };
          expect(queue.topBound === 0 ? 0 : queue.topBound).toBe(bound);
          expect(queue.topGroup).toBe(group);
          queue.pop();
        }
        expect(queue.size).toBe(bounds.length - take);
        for (let slot = 0; slot < queue.size; slot++) expect(queue.groupAt(slot)).toBe((expected[take + slot] as { group: number }).group);
        queue.clear();
        expect(queue.size).toBe(0);
      }),
      { numRuns: 300, seed: 5 },
    );
  });
});
