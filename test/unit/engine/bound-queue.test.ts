// The iron search's queue of groups (services/engine/bound-queue.ts): groups come out best
// bound first, equal bounds in the order pushed, whatever the bounds' signs and sizes, as a
// plain sort of the same pairs orders them; what is left is listed by slot. Small queues are
// sorted by the built-in sort, large ones by the radix sort: both are held to the plain sort,
// and to each other on the same bounds, NaN included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BoundQueue, BUILT_IN_SORT_UP_TO } from "../../../services/engine/bound-queue.js";

const boundArbitrary = fc.oneof(
  fc.double({ noNaN: true }),
  fc.constantFrom(0, -0, 1, -1, 0.5, Infinity, -Infinity),
  fc.double({ min: 0.998, max: 1, noNaN: true }),
);

/** Every group the queue holds, in the order it gives them, and empties it. */
function drained(queue: BoundQueue): { bound: number; group: number }[] {
  const given: { bound: number; group: number }[] = [];
  while (queue.size > 0) {
    given.push({ bound: queue.topBound, group: queue.topGroup });
    queue.pop();
  }
  return given;
}

function sortedQueue(bounds: readonly number[], builtInSortUpTo?: number): BoundQueue {
  const queue = new BoundQueue(builtInSortUpTo);
  bounds.forEach((bound, group) => queue.push(bound, group));
  queue.sort();
  return queue;
}

describe("the queue of groups by bound", () => {
  it("sorts a small queue with the built-in sort as the radix sort sorts it, NaN bounds included", () => {
    const withNaN = fc.oneof(boundArbitrary, fc.constant(Number.NaN), fc.constant(0 * Infinity));
    fc.assert(
      fc.property(
        fc.array(fc.oneof(boundArbitrary, fc.constantFrom(0.25, 0.75)), { maxLength: 600 }),
        fc.array(withNaN, { maxLength: 50 }),
        (bounds, nanBounds) => {
          for (const queued of [bounds, nanBounds]) {
            expect(drained(sortedQueue(queued))).toEqual(drained(sortedQueue(queued, 0)));
          }
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });

  it("gives the groups best bound first, equal bounds in the order pushed, by either sort", () => {
    // Up to the built-in sort's limit and past it, where the radix sort takes over.
    const lengths = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: BUILT_IN_SORT_UP_TO - 8, max: BUILT_IN_SORT_UP_TO + 8 }));
    const queues = lengths.chain((length) => fc.array(boundArbitrary, { minLength: length, maxLength: length }));
    fc.assert(
      fc.property(queues, fc.integer({ min: 0, max: BUILT_IN_SORT_UP_TO + 8 }), (bounds, taken) => {
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
      { numRuns: 120, seed: 5 },
    );
  });
});
