// When a merge may go out as a delta: only when the subject's last version is its base. After
// NATS lost its store, a lagging replica can republish an older whole chain first; a delta on
// the newer base would then leave a replica that reads the subject from its start holding the
// older version and skipping every delta until the next whole chain (seen in the chain-bus
// suite: a replica started after the empty-store restart stuck at version 199 of 231).
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../services/common/logger.js";
import { ChainBusMetrics } from "../../../services/scanner/chain-bus/chain-bus-metrics.js";
import { ChainPublications } from "../../../services/scanner/chain-bus/chain-publications.js";

const publications = (): ChainPublications =>
  new ChainPublications({
    replicaId: "r1",
    metrics: new ChainBusMetrics(new Registry()),
    logger: createLogger({ service: "test", level: "silent", format: "json" }),
  });

describe("a delta continues its subject", () => {
  it("only when the subject's last complete version is the delta's base", () => {
    const each = publications();
    expect(each.continuesSubject("IWM", 5n)).toBe(false);
    each.noteOnSubject("IWM", 10, 5n);
    expect(each.continuesSubject("IWM", 5n)).toBe(true);
    expect(each.continuesSubject("IWM", 6n)).toBe(false);
    expect(each.continuesSubject("SPY", 5n)).toBe(false);
  });

  it("by stream sequence: an older message read late does not move the subject back", () => {
    const each = publications();
    each.noteOnSubject("IWM", 12, 7n);
    each.noteOnSubject("IWM", 11, 6n);
    expect(each.continuesSubject("IWM", 7n)).toBe(true);
  });

  it("not after NATS lost its store until the new stream is read, nor onto an older version republished there", () => {
    const each = publications();
    each.noteOnSubject("IWM", 500, 231n);
    each.forget();
    expect(each.continuesSubject("IWM", 231n)).toBe(false);
    // A lagging replica republished version 199 first; this replica holds 231.
    each.noteOnSubject("IWM", 1, 199n);
    expect(each.continuesSubject("IWM", 231n)).toBe(false);
  });
});
