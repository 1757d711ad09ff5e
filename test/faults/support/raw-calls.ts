// Calls made from raw bytes, past the generated codecs, so that a suite can send what no
// well-behaved client would; each call's status and duration, counted by status.
import { Metadata, status, type Client, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import { readStatusDetails } from "../../../services/common/status-details.js";
import { round } from "./call-recorder.js";
import { statusName } from "./fault-report.js";

const identity = (bytes: Buffer): Buffer => bytes;

/** The code of a call that only the client's deadline ended: the service never answered. */
export const NO_ANSWER = -2;
export type RawOutcome = { readonly code: status | typeof NO_ANSWER; readonly details: string; readonly ms: number };

export const outcomeText = (outcome: RawOutcome): string =>
  `${outcome.code === NO_ANSWER ? "no answer (client deadline)" : statusName(outcome.code)} after ${round(outcome.ms)} ms`;

export class RawCalls {
  /** Calls made, by status name ("NO ANSWER (client deadline)" for one only the deadline ended). */
  readonly byStatus: Record<string, number> = {};
  count = 0;

  private counted(name: string): void {
    this.byStatus[name] = (this.byStatus[name] ?? 0) + 1;
    this.count++;
  }

  /** A raw call: its status and how long it took. */
  call(client: Client, path: string, body: Buffer, stream: boolean, deadlineMs: number): Promise<RawOutcome> {
    const started = performance.now();
    const options = { deadline: new Date(Date.now() + deadlineMs) };
    return new Promise((resolve) => {
      const done = (code: status, details: string): void => {
        const clientDeadline = code === status.DEADLINE_EXCEEDED && details.startsWith("Deadline exceeded after");
        this.counted(clientDeadline ? "NO ANSWER (client deadline)" : statusName(code));
        resolve({ code: clientDeadline ? NO_ANSWER : code, details, ms: performance.now() - started });
      };
      if (stream) {
        const call = client.makeServerStreamRequest(path, identity, identity, body, new Metadata(), options);
        call.on("data", () => call.cancel());
        call.on("error", () => undefined);
        call.on("status", ({ code, details }: StatusObject) => done(code, details));
      } else {
        client.makeUnaryRequest(path, identity, identity, body, new Metadata(), options, (error: ServiceError | null) =>
          done(error ? error.code : status.OK, error?.details ?? ""),
        );
      }
    });
  }

  /** A raw unary call's status and the fields its BadRequest names. */
  withViolations(client: Client, path: string, body: Buffer): Promise<{ code: status; fields: string[] }> {
    return new Promise((resolve) => {
      client.makeUnaryRequest(path, identity, identity, body, new Metadata(), { deadline: new Date(Date.now() + 5000) }, (error: ServiceError | null) => {
        this.counted(statusName(error ? error.code : status.OK));
        resolve({ code: error ? error.code : status.OK, fields: error ? readStatusDetails(error).fieldViolations.map((violation) => violation.field) : [] });
      });
    });
  }
}
