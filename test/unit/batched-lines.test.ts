import { execFile } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BatchedLines, DEFAULT_MAX_DELAY_MS, type BatchTimers } from "../../services/common/batched-lines.js";
import { REPO_ROOT } from "../support/tools.js";

/** Timers that fire only when the test moves their clock. */
class ManualTimers implements BatchTimers {
  private nowMs = 0;
  private nextId = 0;
  private readonly due = new Map<number, { readonly at: number; readonly callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.nextId;
    this.due.set(id, { at: this.nowMs + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  get pending(): number {
    return this.due.size;
  }

  advance(ms: number): void {
    this.nowMs += ms;
    for (const [id, timer] of [...this.due]) {
      if (timer.at > this.nowMs) continue;
      this.due.delete(id);
      timer.callback();
    }
  }
}

const line = (text: string): string => `${JSON.stringify({ msg: text })}\n`;

describe("log lines written in batches", () => {
  let directory: string;
  let file: string;
  let fd: number;
  let timers: ManualTimers;
  let batched: BatchedLines;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "batched-lines-"));
    file = join(directory, "log.jsonl");
    fd = openSync(file, "a");
    timers = new ManualTimers();
    batched = new BatchedLines({ fd, batchBytes: 1024, timers });
  });
  afterEach(() => {
    batched.close();
    closeSync(fd);
    rmSync(directory, { recursive: true, force: true });
  });

  const written = (): string => readFileSync(file, "utf8");

  it("writes a line no later than its delay bound (a tenth of a second), and not before the batch is due", () => {
    expect(DEFAULT_MAX_DELAY_MS).toBe(100);
    batched.write(line("first"));
    timers.advance(40);
    batched.write(line("second"));
    timers.advance(59);
    expect(written()).toBe("");
    timers.advance(1);
    expect(written()).toBe(line("first") + line("second"));
  });

  it("writes a batch as soon as it is full, without waiting for the clock", () => {
    const filler = line("x".repeat(100));
    let sent = "";
    while (sent.length < 1024) {
      batched.write(filler);
      sent += filler;
    }
    expect(written()).toBe(sent);
    expect(timers.pending).toBe(0);
  });

  it("keeps no timer while nothing waits, and starts one for the next line", () => {
    batched.write(line("one"));
    timers.advance(DEFAULT_MAX_DELAY_MS);
    expect(timers.pending).toBe(0);
    batched.write(line("two"));
    expect(timers.pending).toBe(1);
    timers.advance(DEFAULT_MAX_DELAY_MS);
    expect(written()).toBe(line("one") + line("two"));
  });

  it("writes what waits when flushed, as pino's logger.flush asks", () => {
    batched.write(line("now"));
    let done = false;
    batched.flush(() => (done = true));
    expect(written()).toBe(line("now"));
    expect(done).toBe(true);
    expect(timers.pending).toBe(0);
  });
});

describe("a service's logger", () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "service-logger-"));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  /** Runs a process that logs one line to `file` and then ends as `ending` says; resolves to what the file holds. */
  async function logThenEnd(ending: "exit" | "throw" | "return"): Promise<string> {
    const file = join(directory, `${ending}.jsonl`);
    const script = `
      import { openSync } from "node:fs";
      import { createLogger } from "./services/common/logger.js";
      const logger = createLogger({ service: "test", level: "info", format: "json", fd: openSync(${JSON.stringify(file)}, "a") });
      logger.info({ ending: ${JSON.stringify(ending)} }, "last words");
      if (${JSON.stringify(ending)} === "exit") process.exit(3);
      if (${JSON.stringify(ending)} === "throw") throw new Error("fatal");
    `;
    await promisify(execFile)(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { cwd: REPO_ROOT }).catch(() => undefined);
    return readFileSync(file, "utf8");
  }

  it.each(["exit", "throw", "return"] as const)("writes its last line when the process ends (%s), before the delay is up", async (ending) => {
    const lines = (await logThenEnd(ending)).trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ service: "test", msg: "last words", ending });
  });
});
