// A watcher that reopens its stream when it ends, as a client library would, keeping what
// each of its streams received and how it ended: what the SIGTERM suite judges reconnects by.
import { status, type ClientReadableStream, type ServiceError } from "@grpc/grpc-js";
import type { SpreadsUpdate } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";

/** One stream of a reconnecting watcher: what it received and how it ended. */
export interface Connection {
  readonly openedAt: number;
  readonly updates: SpreadsUpdate[];
  ended?: { readonly code: status; readonly details: string; readonly at: number };
}

/** A watcher that reopens its stream `reconnectMs` after it ends, until stopped. */
export class ReconnectingWatcher {
  readonly connections: Connection[] = [];
  private call: ClientReadableStream<{ update?: SpreadsUpdate | undefined }> | undefined;
  private running = true;

  constructor(
    private readonly open: () => ClientReadableStream<{ update?: SpreadsUpdate | undefined }>,
    private readonly reconnectMs: number,
  ) {
    this.connect();
  }

  private connect(): void {
    if (!this.running) return;
    const connection: Connection = { openedAt: performance.now(), updates: [] };
    this.connections.push(connection);
    const call = this.open();
    this.call = call;
    call.on("data", (message: { update?: SpreadsUpdate | undefined }) => {
      if (message.update) connection.updates.push(message.update);
    });
    call.on("error", (error: ServiceError) => {
      connection.ended = { code: error.code, details: error.details, at: performance.now() };
      if (this.running) setTimeout(() => this.connect(), this.reconnectMs);
    });
    call.on("end", () => {
      connection.ended ??= { code: status.OK, details: "", at: performance.now() };
    });
  }

  /** The connection open at `instant`, if any. */
  connectionAt(instant: number): Connection | undefined {
    return this.connections.find((connection) => connection.openedAt <= instant && (connection.ended === undefined || connection.ended.at >= instant));
  }

  /** Connections opened after `instant` that got at least one message. */
  connectionsAfter(instant: number): Connection[] {
    return this.connections.filter((connection) => connection.openedAt > instant && connection.updates.length > 0);
  }

  get current(): Connection | undefined {
    return this.connections.at(-1);
  }

  stop(): void {
    this.running = false;
    this.call?.cancel();
  }
}

/** Sequence numbers that are not 1, 2, 3, ... in a connection: updates it never saw. */
export const gaps = (connection: Connection): number => connection.updates.filter((update, index) => update.sequence !== BigInt(index + 1)).length;

/** A connection's first message must be a full snapshot: initial, sequence 1. */
export const startsWithSnapshot = (connection: Connection): boolean => connection.updates[0]?.initial === true && connection.updates[0].sequence === 1n;
