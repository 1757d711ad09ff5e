// A watcher that, as a client of a fleet would, reopens its stream on the next coordinator
// of its list when one ends, and records when each message arrived and on which stream.
import { credentials, type ServiceError } from "@grpc/grpc-js";
import { CoordinatorServiceClient, WatchSpreadsRequest, type WatchSpreadsResponse } from "../../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import type { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { CLIENT_CHANNEL_OPTIONS } from "./services.js";

export interface WatchArrival {
  /** performance.now() when it arrived. */
  readonly at: number;
  readonly sequence: bigint;
  readonly initial: boolean;
  /** The coordinator's address the stream was open to. */
  readonly address: string;
  /** Which of the watcher's streams, from 0. */
  readonly stream: number;
}

export interface StreamEnd {
  readonly at: number;
  readonly code: number;
  readonly details: string;
  readonly address: string;
}

export class FailoverWatcher {
  readonly arrivals: WatchArrival[] = [];
  readonly ends: StreamEnd[] = [];
  private readonly clients = new Map<string, CoordinatorServiceClient>();
  private cancel: (() => void) | undefined;
  private running = true;
  private streams = 0;

  constructor(
    private readonly addresses: readonly string[],
    private readonly symbol: string,
    private readonly query: ScanQuery,
    private readonly reconnectMs: number,
  ) {
    this.open(0);
  }

  private client(address: string): CoordinatorServiceClient {
    let client = this.clients.get(address);
    if (!client) {
      client = new CoordinatorServiceClient(address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS);
      this.clients.set(address, client);
    }
    return client;
  }

  private open(index: number): void {
    if (!this.running) return;
    const address = this.addresses[index % this.addresses.length]!;
    const stream = this.streams++;
    const call = this.client(address).watchSpreads(WatchSpreadsRequest.fromPartial({ symbol: this.symbol, query: this.query, minIntervalMs: 1 }));
    this.cancel = () => call.cancel();
    call.on("data", (message: WatchSpreadsResponse) => {
      if (message.update) this.arrivals.push({ at: performance.now(), sequence: message.update.sequence, initial: message.update.initial, address, stream });
    });
    call.on("error", (error: ServiceError) => {
      this.ends.push({ at: performance.now(), code: error.code, details: error.details, address });
      // The next coordinator of the list, as a client of a fleet fails over.
      if (this.running) setTimeout(() => this.open(index + 1), this.reconnectMs);
    });
  }

  /** Arrivals on `address` after `instant`. */
  arrivalsOn(address: string, after = 0): WatchArrival[] {
    return this.arrivals.filter((arrival) => arrival.address === address && arrival.at > after);
  }

  /** The longest wait between two messages from `from` to `to`, and from the last one to `to`. */
  longestGapMs(from: number, to: number): number {
    const times = [from, ...this.arrivals.filter((arrival) => arrival.at > from && arrival.at <= to).map((arrival) => arrival.at), to];
    return Math.max(...times.slice(1).map((time, index) => time - times[index]!));
  }

  /** Sequence numbers that skip within a stream: updates it never saw. */
  gaps(): number {
    let gaps = 0;
    for (let stream = 0; stream < this.streams; stream++) {
      const sequences = this.arrivals.filter((arrival) => arrival.stream === stream).map((arrival) => arrival.sequence);
      gaps += sequences.filter((sequence, index) => sequence !== BigInt(index + 1)).length;
    }
    return gaps;
  }

  stop(): void {
    this.running = false;
    this.cancel?.();
    for (const client of this.clients.values()) client.close();
  }
}
