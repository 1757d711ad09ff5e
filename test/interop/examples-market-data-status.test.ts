// examples/go and examples/python against a coordinator whose market data goes away and comes
// back: the coordinator as a process on IBKR market data through the real @stoqey/ib to the
// fake TWS, which loses IBKR (1100) while the examples watch, and gets it back (1102). Two
// generations of each example watch together: the current ones, which print a line for each
// market data status, and the ones from before statuses existed (as of commit 3a61967, built
// in a scratch directory against this checkout's generated code), which read only `update`.
// Every message carries an update, so the old ones print proper updates too: numbered 1, 2,
// 3… with a real table, never an empty "update 0" dated 1970. The Python examples import
// gen/python from this checkout (PYTHONPATH), so that they run against the generated code.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeTws } from "../fixtures/fake-tws/index.js";
import { startIbkrCoordinatorStack, type IbkrCoordinatorStack } from "../support/ibkr-coordinator-stack.js";
import { projectTool, REPO_ROOT } from "../support/tools.js";

/** Compiling the Go examples is the slow part on a cold build cache. */
const GO_TIMEOUT_MS = 240_000;
const UPDATES = 4;
/** The last commit whose examples knew nothing of market data statuses. */
const BEFORE_STATUSES = "3a61967";

let stack: IbkrCoordinatorStack;
let fake: FakeTws;
let address: string;
let scratch: string;

/** The examples as they were at `BEFORE_STATUSES`, in a scratch directory: the Go one a module of its own on this checkout's gen/go. */
function writeOldExamples(): { readonly goDir: string; readonly python: string } {
  scratch = mkdtempSync(join(tmpdir(), "spreadscan-old-examples-"));
  const old = (path: string): string => execFileSync("git", ["show", `${BEFORE_STATUSES}:${path}`], { cwd: REPO_ROOT, encoding: "utf8" });
  const goDir = join(scratch, "go");
  mkdirSync(goDir);
  writeFileSync(join(goDir, "main.go"), old("examples/go/main.go"));
  const goMod = readFileSync(join(REPO_ROOT, "examples/go/go.mod"), "utf8").replace("=> ../../gen/go", `=> ${join(REPO_ROOT, "gen/go")}`);
  writeFileSync(join(goDir, "go.mod"), goMod);
  writeFileSync(join(goDir, "go.sum"), readFileSync(join(REPO_ROOT, "examples/go/go.sum")));
  const python = join(scratch, "scan_and_watch.py");
  writeFileSync(python, old("examples/python/scan_and_watch.py"));
  return { goDir, python };
}

beforeAll(async () => {
  stack = await startIbkrCoordinatorStack({
    fake: { seed: 3, maxLines: 100 },
    coordinatorEnv: { IB_CLIENT_ID: "6", IB_MAX_LINES: "60", IB_LOOKUP_TIMEOUT: "5" },
  });
  ({ fake, coordinatorAddress: address } = stack);
}, 60_000);

afterAll(async () => {
  await stack.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Example {
  readonly name: string;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  readonly child: ChildProcess;
}

function start(name: string, command: string, args: readonly string[], cwd: string): Example {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, SPREADSCAN_ADDR: address, PYTHONPATH: join(REPO_ROOT, "gen/python/src"), PYTHONDONTWRITEBYTECODE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, output: () => output, exited, child };
}

const UNAVAILABLE = /^SPY: market data unavailable since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(.*1100.*\)$/m;
const LIVE = /^SPY: market data live since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m;
const UPDATE_HEADER = /^update (\d+) \(initial (?:true|false|True|False)\): \+(\d+) -(\d+)$/gm;
const TABLE_ROW = /^bull-put +\d{4}-\d\d-\d\d +\d+ +\d+(\.\d+)?\/\d+(\.\d+)? /m;

/** Each update the example printed: its header's numbers and the block under it (up to the next status line or update). */
function updatesOf(output: string): { sequence: number; added: number; removed: number; block: string; at: number }[] {
  const headers = [...output.matchAll(UPDATE_HEADER)];
  return headers.map((header, index) => {
    const at = header.index;
    const end = headers[index + 1]?.index ?? output.length;
    const block = output.slice(at, end).split(/\n(?=\S+: market data )/)[0] ?? "";
    return { sequence: Number(header[1]), added: Number(header[2]), removed: Number(header[3]), block, at };
  });
}

describe("the examples while the coordinator's market data goes away and comes back", () => {
  it(
    "the current ones print a line for each status before the update that carries it; the ones from before statuses print proper updates",
    { timeout: GO_TIMEOUT_MS + 90_000 },
    async () => {
      const old = writeOldExamples();
      const python = projectTool(".tools/venv/bin/python");
      const examples = [
        start("go", "go", ["run", ".", "-updates", String(UPDATES)], join(REPO_ROOT, "examples/go")),
        start("python", python, ["examples/python/scan_and_watch.py", "--updates", String(UPDATES)], REPO_ROOT),
        start("go as of 3a61967", "go", ["run", ".", "-updates", String(UPDATES)], old.goDir),
        start("python as of 3a61967", python, [old.python, "--updates", String(UPDATES)], REPO_ROOT),
      ];
      const current = examples.slice(0, 2);
      const before = examples.slice(2);
      let ticking: NodeJS.Timeout | undefined;
      try {
        // The market stands still until all watch: none can run through its updates alone.
        for (const example of examples) {
          await expect.poll(example.output, { timeout: GO_TIMEOUT_MS, interval: 200 }).toMatch(/^update 1 \(initial (true|True)\)/m);
        }
        fake.sendConnectivity(1100);
        for (const example of current) await expect.poll(example.output, { timeout: 30_000, interval: 200 }).toMatch(UNAVAILABLE);
        // The old ones get the same message: an update repeating the table.
        for (const example of before) await expect.poll(example.output, { timeout: 30_000, interval: 200 }).toMatch(/^update 2 /m);
        fake.sendConnectivity(1102);
        ticking = setInterval(() => fake.tick(), 200);
        const codes = await Promise.all(examples.map((example) => example.exited));

        for (const [index, example] of examples.entries()) {
          const output = example.output();
          expect(codes[index], `${example.name}:\n${output}`).toBe(0);
          const updates = updatesOf(output);
          // Every message is a proper update: numbered 1, 2, 3… and -updates counts them all.
          expect(
            updates.map((update) => update.sequence),
            example.name,
          ).toEqual([1, 2, 3, 4]);
          expect(output, example.name).not.toMatch(/^update 0 /m);
          expect(output, example.name).not.toMatch(/as of 1970-/);
          for (const update of updates) expect(update.block, `${example.name}, update ${update.sequence}`).toMatch(TABLE_ROW);
          // Update 2 is the repeat that told of the outage: the same table as update 1, nothing added or removed.
          const table = (block: string | undefined): string => (block ?? "").split("\n").slice(1).join("\n").trim();
          expect(table(updates[1]?.block), example.name).toBe(table(updates[0]?.block));
          expect([updates[1]?.added, updates[1]?.removed], example.name).toEqual([0, 0]);
        }
        for (const example of before) expect(example.output(), example.name).not.toMatch(/market data/);
        for (const example of current) {
          const output = example.output();
          const updates = updatesOf(output);
          // Each status line comes right before the update that carries it: update 2, the repeat
          // of update 1's table, says the data is unavailable.
          const down = output.search(UNAVAILABLE);
          const carrier = updates.find((update) => update.at > down);
          expect(down, example.name).toBeGreaterThan(updates[0]!.at);
          expect(carrier?.sequence, example.name).toBe(2);
          expect(output.slice(down, carrier?.at).trim().split("\n"), example.name).toHaveLength(1);
          const back = output.search(LIVE);
          expect(back, example.name).toBeGreaterThan(carrier!.at);
          expect(
            updates.find((update) => update.at > back),
            example.name,
          ).toBeDefined();
        }
      } finally {
        clearInterval(ticking);
        for (const example of examples) example.child.kill();
      }
    },
  );
});
