// Reads the chain stream in order, one message at a time, from a given sequence: a JetStream
// ordered consumer, made again from scratch whenever asked (after every reconnection: nats.js's
// ordered consumer could stall after a server restart) or when it stops on its own.
import { DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { Logger } from "../../common/logger.js";
import { STREAM_NAME } from "./chain-subjects.js";

export interface StreamReaderOptions {
  readonly logger: Logger;
  /** Handles one message; the next is read once it settles. */
  readonly take: (message: JsMsg) => Promise<void>;
  /** Counts each consumer made. */
  readonly onRestart: () => void;
}

/** How long a consumer that stopped on its own waits before it is made again, ms. */
const RESTART_DELAY_MS = 250;

export class StreamReader {
  private generation = 0;
  private messages: ConsumerMessages | undefined;
  private stopped = false;

  constructor(private readonly options: StreamReaderOptions) {}

  /** Drops the current consumer and reads on from `fromSequence` with a new one. */
  restart(js: JetStreamClient, fromSequence: () => number): void {
    if (this.stopped) return;
    const generation = ++this.generation;
    this.messages?.stop();
    this.messages = undefined;
    this.options.onRestart();
    this.read(js, fromSequence(), generation).catch((error: unknown) => {
      if (this.stopped || generation !== this.generation) return;
      this.options.logger.warn({ err: error }, "chain consumer stopped: making it again");
      setTimeout(() => {
        if (generation === this.generation) this.restart(js, fromSequence);
      }, RESTART_DELAY_MS).unref();
    });
  }

  private async read(js: JetStreamClient, fromSequence: number, generation: number): Promise<void> {
    // The stream holds chain subjects only: no filter (nats-server before 2.10, Debian's, refuses filter_subjects).
    const consumer = await js.consumers.get(STREAM_NAME, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSequence });
    if (generation !== this.generation) return;
    // A few chunks at a time: each is up to a megabyte.
    const messages = await consumer.consume({ max_messages: 8 });
    if (generation !== this.generation) {
      await messages.close();
      return;
    }
    this.messages = messages;
    for await (const message of messages) {
      if (generation !== this.generation) break;
      await this.options.take(message);
    }
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    this.messages?.stop();
  }
}
