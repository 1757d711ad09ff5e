// `make run` as a newcomer uses it: both services start on the simulated market, the banner
// shows how to scan, and the CLI command it shows answers from another process.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runTool } from "../support/tools.js";

/** A port nothing listens on now, from the kernel. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

let run: ChildProcess | undefined;
afterAll(() => {
  // Whatever is left of the group when the test failed half-way.
  if (run?.pid === undefined) return;
  try {
    process.kill(-run.pid, "SIGKILL");
  } catch {
    // Nothing left.
  }
});

describe("make run", () => {
  it("starts the services and the gateway, prints how to scan, serves the CLI's scan and the gateway's, and stops them all on Ctrl-C", async () => {
    const [scannerPort, scannerAdmin, coordinatorPort, coordinatorAdmin, gatewayPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const env = {
      ...process.env,
      SCANNER_PORT: String(scannerPort),
      SCANNER_ADMIN_PORT: String(scannerAdmin),
      COORDINATOR_PORT: String(coordinatorPort),
      COORDINATOR_ADMIN_PORT: String(coordinatorAdmin),
      GATEWAY_PORT: String(gatewayPort),
    };
    // Its own process group, so that Ctrl-C reaches make, the script and both services.
    const started = spawn("make", ["--no-print-directory", "run"], { cwd: REPO_ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    run = started;
    let output = "";
    started.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    started.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => started.once("exit", (code) => resolve(code)));

    await expect.poll(() => output, { timeout: 120_000, interval: 250 }).toContain("Ctrl-C stops them all.");
    expect(output).toContain(`coordinator 127.0.0.1:${coordinatorPort}`);
    const shown = /npx spreadscan (scan SPY [^\n]+)/.exec(output)?.[1];
    expect(shown).toBeDefined();

    const scan = await runTool(
      process.execPath,
      ["dist/services/cli/main.js", ...(shown ?? "").trim().split(/\s+/), "--addr", `127.0.0.1:${coordinatorPort}`],
      {
        timeoutMs: 60_000,
      },
    );
    expect(scan.stderr).toBe("");
    expect(scan.exitCode).toBe(0);
    expect(scan.stdout).toMatch(/^SPY \d+\.\d+ as of /m);
    expect(scan.stdout).toMatch(/bull-put|bear-call/);

    // The other commands the banner shows, against the same real services.
    const cli = (...args: string[]) =>
      runTool(process.execPath, ["dist/services/cli/main.js", ...args, "--addr", `127.0.0.1:${coordinatorPort}`], { timeoutMs: 60_000 });
    // The first: a bare scan, which the defaults bound and the header describes.
    expect(output).toMatch(/^ +npx spreadscan scan SPY$/m);
    const bare = await cli("scan", "SPY");
    expect(bare.stderr).toBe("");
    expect(bare.exitCode).toBe(0);
    expect(bare.stdout).toMatch(/^SPY \d+\.\d+ as of .* · DTE 7–60 · short \|Δ\| ≥ 0\.10 · width ≤ \$\d+ · all strategies · by score · /m);
    const watch = await cli("watch", "IWM", "--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--count", "2", "--json");
    expect(watch.exitCode).toBe(0);
    const updates = watch.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { update: { sequence: string; initial?: boolean } });
    expect(updates.map((message) => message.update.sequence)).toEqual(["1", "2"]);
    const batch = await cli("batch", "SPY", "NOPE", "--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--limit", "3");
    expect(batch.exitCode).toBe(3);
    expect(batch.stdout).toMatch(/^SPY: job /m);
    expect(batch.stdout).toMatch(/NOPE: NOT_FOUND/);
    const health = await cli("health");
    expect([health.exitCode, health.stdout.trim()]).toEqual([0, "SERVING"]);
    const jobs = await cli("jobs", "--json");
    expect(jobs.exitCode).toBe(0);
    expect(jobs.stdout).toContain('"symbol": "SPY"');
    const metrics = await cli("metrics", "--json");
    expect(JSON.parse(metrics.stdout)).toMatchObject({ totalScans: expect.any(String) as unknown, backpressure: expect.any(Object) as unknown });

    // The gateway's curl command, as shown: the Connect protocol's JSON over plain HTTP.
    const curl = /curl -s -H '(content-type: application\/json)' -d '([^']+)' \\\n\s+(http:\/\/\S+)/.exec(output);
    expect(curl?.[3]).toBe(`http://127.0.0.1:${gatewayPort}/spreadscan.coordinator.v1.CoordinatorService/Scan`);
    const viaGateway = await fetch(curl?.[3] ?? "", { method: "POST", headers: { "content-type": "application/json" }, body: curl?.[2] ?? "" });
    expect(viaGateway.status).toBe(200);
    const answer = (await viaGateway.json()) as { result: { symbol: string; spreads: { strategy: string }[] } };
    expect(answer.result.symbol).toBe("SPY");
    expect(answer.result.spreads.length).toBeGreaterThan(0);
    expect(answer.result.spreads.every((spread) => spread.strategy === "STRATEGY_BULL_PUT")).toBe(true);

    // The page the banner points the browser at, built by make run's build.
    expect(output).toContain(`Open http://127.0.0.1:${gatewayPort} in a browser`);
    const page = await fetch(`http://127.0.0.1:${gatewayPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>spreadscan</title>");

    if (started.pid !== undefined) process.kill(-started.pid, "SIGINT");
    await exited;
    // Both services said they stopped, and nothing listens on their ports any more.
    expect(output).toMatch(/scanner: stopped/);
    expect(output).toMatch(/coordinator: stopped/);
    expect(output).toMatch(/gateway: stopped/);
    await expect(fetch(`http://127.0.0.1:${coordinatorAdmin}/healthz`)).rejects.toThrow();
  }, 180_000);
});
