// The `spreadscan` command against a coordinator that serves mutual TLS and wants API keys:
// the real entry point in its own process, the real coordinator and scanner as processes on
// loopback, throwaway certificates. A user with the CA, a client certificate and a key gets
// answers; a user missing one of them gets a line saying what to set, with the documented exit
// status; the key is never printed.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScanResponse } from "../../gen/ts/spreadscan/coordinator/v1/coordinator_service.js";
import { freePorts, spawnService, type ServiceProcess } from "../support/service-process.js";
import { makeThrowawayCertificates, type CertificateFiles } from "../support/throwaway-certificates.js";
import { REPO_ROOT, type ToolResult } from "../support/tools.js";

const MAIN = "services/cli/main.ts";
const KEYS = {
  scan: "alice-scans-only-0123456789",
  admin: "root-may-do-anything-0123456789",
  unknown: "mallory-guessed-this-0123456789",
};
const QUICK_FLAGS = ["--strategy", "bull-put", "--max-dte", "30", "--max-width", "5", "--limit", "3"];

let certificates: CertificateFiles;
let scanner: ServiceProcess;
let coordinator: ServiceProcess;
let address: string;
/** Everything mutual TLS needs, as flags; the key comes from the environment. */
let mtls: string[];

/** Runs the CLI to completion; the environment is this process's without any SPREADSCAN_ variable, plus `env`. */
function spreadscan(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ToolResult> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("SPREADSCAN_")));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", MAIN, ...args],
      { cwd: REPO_ROOT, timeout: 20_000, maxBuffer: 16 * 1024 * 1024, env: { ...inherited, ...env } },
      (error, stdout, stderr) => {
        resolve({ exitCode: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

const noStackTrace = (stderr: string): void => expect(stderr).not.toMatch(/^\s+at /m);
/** No key, whichever was given, is in anything the CLI printed. */
function expectNoKeys(...runs: ToolResult[]): void {
  for (const run of runs) for (const key of Object.values(KEYS)) expect(run.stdout + run.stderr).not.toContain(key);
}

beforeAll(async () => {
  certificates = makeThrowawayCertificates();
  scanner = spawnService("services/scanner/main.ts", freePorts("SCANNER"));
  const scannerPort = (await scanner.waitForLog((line) => line.msg === "listening")).grpcPort as number;
  coordinator = spawnService("services/coordinator/main.ts", {
    ...freePorts("COORDINATOR"),
    SCANNER_ADDR: `127.0.0.1:${scannerPort}`,
    TLS_CERT_FILE: certificates.serverCert,
    TLS_KEY_FILE: certificates.serverKey,
    TLS_CLIENT_CA_FILE: certificates.caCert,
    AUTH: "api-key",
    API_KEYS: `alice:${KEYS.scan}:scan,root:${KEYS.admin}:admin`,
  });
  address = `127.0.0.1:${(await coordinator.waitForLog((line) => line.msg === "listening")).grpcPort as number}`;
  mtls = ["--addr", address, "--ca", certificates.caCert, "--cert", certificates.clientCert, "--key", certificates.clientKey, "--server-name", "localhost"];
});

afterAll(() => {
  coordinator.kill();
  scanner.kill();
});

describe.concurrent("spreadscan over mutual TLS with an API key", () => {
  it("health, scan and batch succeed with --ca, --cert, --key, --server-name and SPREADSCAN_API_KEY", async () => {
    const env = { SPREADSCAN_API_KEY: KEYS.scan };
    const [health, scan, batch] = await Promise.all([
      spreadscan(["health", ...mtls], env),
      spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--json", ...mtls], env),
      spreadscan(["batch", "SPY", "QQQ", ...QUICK_FLAGS, ...mtls], env),
    ]);
    expect(health).toEqual({ exitCode: 0, stdout: "SERVING\n", stderr: "" });
    expect(scan.stderr).toBe("");
    expect(scan.exitCode).toBe(0);
    expect(ScanResponse.fromJSON(JSON.parse(scan.stdout)).result?.spreads).toHaveLength(3);
    // ScanBatch is a server stream: the key went with it too.
    expect(batch.stderr).toBe("");
    expect(batch.exitCode).toBe(0);
    expect(batch.stdout).toMatch(/^SPY /m);
    expect(batch.stdout).toMatch(/^QQQ /m);
    expectNoKeys(health, scan, batch);
  });

  it("takes every setting from SPREADSCAN_ variables, and reaches the address itself without --server-name", async () => {
    const run = await spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--json"], {
      SPREADSCAN_ADDR: address,
      SPREADSCAN_CA_FILE: certificates.caCert,
      SPREADSCAN_CERT_FILE: certificates.clientCert,
      SPREADSCAN_KEY_FILE: certificates.clientKey,
      SPREADSCAN_API_KEY: KEYS.scan,
    });
    // The certificate names 127.0.0.1 too; Node's warning about an IP as TLS server name is not shown.
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expectNoKeys(run);
  });
});

describe.concurrent("TLS failures say what to set", () => {
  it("without the client certificate the handshake fails: exit 1, a TLS line naming --cert and --key", async () => {
    const run = await spreadscan(["scan", "SPY", ...QUICK_FLAGS, "--addr", address, "--ca", certificates.caCert, "--server-name", "localhost"], {
      SPREADSCAN_API_KEY: KEYS.scan,
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    noStackTrace(run.stderr);
    expect(run.stderr).toMatch(
      new RegExp(`^spreadscan: UNAVAILABLE: TLS handshake with the coordinator at ${address.replaceAll(".", "\\.")} failed \\(.*certificate required.*\\)\\n`),
    );
    expect(run.stderr).toMatch(/^spreadscan: the coordinator asks for a client certificate \(mutual TLS\): give --cert FILE .* and --key FILE/m);
    expectNoKeys(run);
  });

  it("in plaintext against the TLS coordinator: exit 1, a hint to connect with --tls or --ca", async () => {
    const run = await spreadscan(["health", "--addr", address]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    noStackTrace(run.stderr);
    expect(run.stderr).toMatch(/closed the connection before gRPC began/);
    expect(run.stderr).toMatch(/^spreadscan: if it serves TLS, connect with --tls, or --ca FILE/m);
  });

  it("trusting another CA, or only the system's: the coordinator's certificate is refused, naming --ca", async () => {
    const [stranger, system] = await Promise.all([
      spreadscan(["health", "--addr", address, "--ca", join(certificates.directory, "stranger-ca.crt")]),
      spreadscan(["health", "--addr", address, "--tls"]),
    ]);
    expect([stranger.exitCode, system.exitCode]).toEqual([1, 1]);
    expect(stranger.stderr).toMatch(/TLS handshake with .* failed/);
    expect(stranger.stderr).toContain(`does not chain to --ca ${join(certificates.directory, "stranger-ca.crt")}`);
    expect(system.stderr).toMatch(/TLS handshake with .* failed/);
    expect(system.stderr).toContain("not issued by a CA this system trusts: give its CA with --ca FILE (or $SPREADSCAN_CA_FILE)");
  });

  it("a name the certificate does not carry: a line naming --server-name", async () => {
    const run = await spreadscan(["health", ...mtls, "--server-name", "coordinator.example.com"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("does not name coordinator.example.com: give a name it carries with --server-name");
  });
});

describe.concurrent("API key failures say what to set", () => {
  it("without a key: UNAUTHENTICATED, exit 1, a line saying to set SPREADSCAN_API_KEY; health stays open", async () => {
    const [scan, batch, health] = await Promise.all([
      spreadscan(["scan", "SPY", ...QUICK_FLAGS, ...mtls]),
      spreadscan(["batch", "SPY", ...QUICK_FLAGS, ...mtls]),
      spreadscan(["health", ...mtls]),
    ]);
    for (const run of [scan, batch]) {
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toBe("");
      noStackTrace(run.stderr);
      const lines = run.stderr.trimEnd().split("\n");
      expect(lines[0]).toMatch(/^spreadscan: UNAUTHENTICATED: this call needs an API key/);
      expect(lines.at(-1)).toBe("spreadscan: the coordinator needs an API key: set $SPREADSCAN_API_KEY, or pass --api-key");
    }
    expect(health).toEqual({ exitCode: 0, stdout: "SERVING\n", stderr: "" });
  });

  it("an unknown key: UNAUTHENTICATED, exit 1, 'the coordinator refused the API key', the key not shown", async () => {
    const [fromEnv, fromFlag] = await Promise.all([
      spreadscan(["scan", "SPY", ...QUICK_FLAGS, ...mtls], { SPREADSCAN_API_KEY: KEYS.unknown }),
      spreadscan(["scan", "SPY", ...QUICK_FLAGS, ...mtls, "--api-key", KEYS.unknown]),
    ]);
    for (const run of [fromEnv, fromFlag]) {
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toBe(
        "spreadscan: UNAUTHENTICATED: the API key is not one this service knows\n" +
          "spreadscan: the coordinator refused the API key: check --api-key (or $SPREADSCAN_API_KEY)\n",
      );
    }
    expectNoKeys(fromEnv, fromFlag);
  });

  it("a scan-scope key on `cancel`: PERMISSION_DENIED, exit 1, a line naming the admin scope; an admin key gets past the gate", async () => {
    const [denied, allowed] = await Promise.all([
      spreadscan(["cancel", "job-that-does-not-exist", ...mtls], { SPREADSCAN_API_KEY: KEYS.scan }),
      spreadscan(["cancel", "job-that-does-not-exist", ...mtls], { SPREADSCAN_API_KEY: KEYS.admin }),
    ]);
    expect(denied.exitCode).toBe(1);
    expect(denied.stdout).toBe("");
    expect(denied.stderr).toMatch(/^spreadscan: PERMISSION_DENIED: client alice lacks the admin scope/);
    expect(denied.stderr).toMatch(
      /^spreadscan: this API key lacks the admin scope this command needs: use a key that has it \(--api-key \(or \$SPREADSCAN_API_KEY\)\)$/m,
    );
    // Past the gate the call itself answers: an unknown job is NOT_FOUND, exit 2.
    expect(allowed.exitCode).toBe(2);
    expect(allowed.stderr).toMatch(/^spreadscan: NOT_FOUND: /);
    expectNoKeys(denied, allowed);
  });
});

describe.concurrent("bad connection flags are usage errors (exit 2)", () => {
  it("--cert without --key, and --key without --cert (from the environment)", async () => {
    const [certOnly, keyOnly] = await Promise.all([
      spreadscan(["health", "--addr", address, "--ca", certificates.caCert, "--cert", certificates.clientCert]),
      spreadscan(["health", "--addr", address, "--ca", certificates.caCert], { SPREADSCAN_KEY_FILE: certificates.clientKey }),
    ]);
    expect(certOnly).toEqual({
      exitCode: 2,
      stdout: "",
      stderr:
        "spreadscan: --cert (or $SPREADSCAN_CERT_FILE) needs --key (or $SPREADSCAN_KEY_FILE): give the client certificate and its key together, or neither\n",
    });
    expect(keyOnly.exitCode).toBe(2);
    expect(keyOnly.stderr).toContain("--key (or $SPREADSCAN_KEY_FILE) needs --cert");
  });

  it("an unreadable or non-PEM file names the flag and the file, without a stack trace", async () => {
    const missing = join(certificates.directory, "no-such.crt");
    const notPem = join(certificates.directory, "server.ext");
    const [flag, env, text] = await Promise.all([
      spreadscan(["health", "--addr", address, "--ca", missing]),
      spreadscan(["health", "--addr", address], { SPREADSCAN_CERT_FILE: missing, SPREADSCAN_KEY_FILE: certificates.clientKey }),
      spreadscan(["health", "--addr", address, "--key", notPem, "--cert", certificates.clientCert]),
    ]);
    for (const run of [flag, env, text]) {
      expect(run.exitCode).toBe(2);
      expect(run.stdout).toBe("");
      noStackTrace(run.stderr);
    }
    expect(flag.stderr).toContain(`option '--ca <file>' argument '${missing}' is invalid. cannot use it: no such file.`);
    expect(env.stderr).toContain(`option '--cert <file>' value '${missing}' from env 'SPREADSCAN_CERT_FILE' is invalid. cannot use it: no such file.`);
    expect(text.stderr).toContain(`option '--key <file>' argument '${notPem}' is invalid. cannot use it: it is not a PEM file.`);
  });

  it("a key that cannot be sent as metadata is refused without being shown", async () => {
    const unsendable = `${KEYS.admin}\u00e9`;
    const run = await spreadscan(["health", ...mtls, "--api-key", unsendable]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe(
      "spreadscan: --api-key (or $SPREADSCAN_API_KEY): an API key is printable ASCII without spaces; the one given is not (it is not shown)\n",
    );
    expectNoKeys(run);
  });

  it("TLS and key flags apply only to a scan through the coordinator, not to --chain", async () => {
    const run = await spreadscan(["scan", "--chain", "chain.json", "--ca", certificates.caCert, "--api-key", KEYS.scan]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/--ca, --api-key apply only to a scan through the coordinator \(SYMBOL\), not to --chain/);
    expectNoKeys(run);
  });
});
