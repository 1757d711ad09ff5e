// examples/go and examples/python against a coordinator whose market data goes away and comes
// back: the coordinator as a process on IBKR market data through the real @stoqey/ib to the
// fake TWS, which loses IBKR (1100) while both examples watch, and gets it back (1102). Each
// example prints its updates and a line for each market data status, and counts only updates
// toward --updates. The Python example imports gen/python from this checkout (PYTHONPATH), so
// that it runs against the generated code it was written with.
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeTws } from "../fixtures/fake-tws/index.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { projectTool, REPO_ROOT } from "../support/tools.js";

/** Compiling the Go example is the slow part on a cold build cache. */
const GO_TIMEOUT_MS = 240_000;
const UPDATES = 4;

let fake: FakeTws;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let address: string;

beforeAll(async () => {
  fake = await FakeTws.start({ seed: 3, maxLines: 100 });
  scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER"));
  const scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    MARKET_DATA: "ibkr",
    IB_HOST: "127.0.0.1",
    IB_PORT: String(fake.port),
    IB_CLIENT_ID: "6",
    IB_MAX_LINES: "60",
    IB_LOOKUP_TIMEOUT: "5",
  });
  address = `127.0.0.1:${(await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
  await coordinator.waitForLog((line) => line.msg === "coordinator ready");
}, 60_000);

afterAll(async () => {
  coordinator.kill();
  scanner.kill();
  await fake.close();
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

describe("the examples while the coordinator's market data goes away and comes back", () => {
  it("print their updates and a line for each status, counting only updates", { timeout: GO_TIMEOUT_MS + 60_000 }, async () => {
    const examples = [
      start("go", "go", ["run", ".", "-updates", String(UPDATES)], join(REPO_ROOT, "examples/go")),
      start("python", projectTool(".tools/venv/bin/python"), ["examples/python/scan_and_watch.py", "--updates", String(UPDATES)], REPO_ROOT),
    ];
    let ticking: NodeJS.Timeout | undefined;
    try {
      // The market stands still until both watch: neither can run through its updates alone.
      for (const example of examples) {
        await expect.poll(example.output, { timeout: GO_TIMEOUT_MS, interval: 200 }).toMatch(/^update 1 \(initial (true|True)\)/m);
      }
      fake.sendConnectivity(1100);
      for (const example of examples) await expect.poll(example.output, { timeout: 30_000, interval: 200 }).toMatch(UNAVAILABLE);
      fake.sendConnectivity(1102);
      ticking = setInterval(() => fake.tick(), 200);
      const codes = await Promise.all(examples.map((example) => example.exited));
      for (const [index, example] of examples.entries()) {
        const output = example.output();
        expect(codes[index], `${example.name}:\n${output}`).toBe(0);
        const updates = [...output.matchAll(/^update (\d+) \(initial (true|false|True|False)\)/gm)].map((match) => Number(match[1]));
        expect(updates, example.name).toEqual([1, 2, 3, 4]);
        // Unavailable after the first update, live again before the next.
        const down = output.search(UNAVAILABLE);
        const back = output.search(LIVE);
        expect(down, example.name).toBeGreaterThan(output.search(/^update 1 /m));
        expect(back, example.name).toBeGreaterThan(down);
        expect(output.search(/^update 2 /m), example.name).toBeGreaterThan(back);
        expect(output).toMatch(/^bull-put +\d{4}-\d\d-\d\d +\d+ +\d+(\.\d+)?\/\d+(\.\d+)? /m);
      }
    } finally {
      clearInterval(ticking);
      for (const example of examples) example.child.kill();
    }
  });
});
