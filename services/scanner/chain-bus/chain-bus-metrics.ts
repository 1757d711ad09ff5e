// The chain bus's figures on /metrics: what this replica published and applied, how far its
// consumer is behind the stream, and what it skipped, resent or queued.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export class ChainBusMetrics {
  readonly published: Counter;
  readonly applied: Counter;
  /** Versions received that this replica held already: "own" (its own, back from the stream) or "other". */
  readonly duplicatesSkipped: Counter<"origin">;
  readonly chunks: Counter<"direction">;
  readonly deltasPublished: Counter;
  /** Deltas received without their base version here: applied later through the next whole chain. */
  readonly deltasSkipped: Counter;
  readonly republished: Counter;
  /** Republications that failed for another reason than a conflict: tried again until the stream holds the chain. */
  readonly republishFailures: Counter;
  readonly conflicts: Counter;
  readonly consumerRestarts: Counter;
  /** Messages of the stream after the one this replica's consumer last took. */
  readonly consumerLag: Gauge;
  readonly appliedSequence: Gauge;
  readonly queuedVersions: Gauge;
  readonly publishToApply: Histogram;

  constructor(registry: Registry) {
    const registers = [registry];
    this.published = new Counter({ name: "spreadscan_chain_versions_published_total", help: "Chain versions this replica published on the bus.", registers });
    this.applied = new Counter({
      name: "spreadscan_chain_versions_applied_total",
      help: "Chain versions other replicas published that this replica applied from the bus.",
      registers,
    });
    this.duplicatesSkipped = new Counter({
      name: "spreadscan_chain_versions_duplicate_total",
      help: "Versions received from the bus that this replica held already, skipped: its own (origin=own) or another's.",
      labelNames: ["origin"],
      registers,
    });
    this.chunks = new Counter({
      name: "spreadscan_chain_bus_chunks_total",
      help: "Chain chunks sent to or received from the bus (a chain is split below the server's max_payload).",
      labelNames: ["direction"],
      registers,
    });
    this.deltasPublished = new Counter({
      name: "spreadscan_chain_deltas_published_total",
      help: "Chain versions this replica published as a delta (the quotes a MERGE sent) rather than the whole chain.",
      registers,
    });
    this.deltasSkipped = new Counter({
      name: "spreadscan_chain_deltas_skipped_total",
      help: "Deltas received that this replica could not apply, not holding their base version: it waits for the next whole chain.",
      registers,
    });
    this.republished = new Counter({
      name: "spreadscan_chain_versions_republished_total",
      help: "Latest chains published again because the bus's stream was new (NATS restarted with an empty store).",
      registers,
    });
    this.republishFailures = new Counter({
      name: "spreadscan_chain_republications_failed_total",
      help: "Republications of a latest chain on a new stream that failed for another reason than a conflict (tried again).",
      registers,
    });
    this.conflicts = new Counter({
      name: "spreadscan_chain_publish_conflicts_total",
      help: "Publications refused because another replica had published the symbol's next version first.",
      registers,
    });
    this.consumerRestarts = new Counter({
      name: "spreadscan_chain_consumer_restarts_total",
      help: "Times this replica's consumer of the bus was made again (after NATS came back).",
      registers,
    });
    this.consumerLag = new Gauge({
      name: "spreadscan_chain_consumer_lag",
      help: "Messages of the chain stream after the last one this replica's consumer took (stream last sequence - taken sequence).",
      registers,
    });
    this.appliedSequence = new Gauge({ name: "spreadscan_chain_consumer_sequence", help: "The stream sequence this replica's consumer last took.", registers });
    this.queuedVersions = new Gauge({
      name: "spreadscan_chain_versions_queued",
      help: "Versions committed here while NATS was down, waiting to be published.",
      registers,
    });
    this.publishToApply = new Histogram({
      name: "spreadscan_chain_publish_to_apply_seconds",
      help: "From the publisher starting to publish a version to this replica committing it, seconds.",
      buckets: [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
  }
}
