// A real PostgreSQL server, from Debian's postgresql package, for the tests (through
// test/support/postgres-server.ts) and `make run-cluster` (the coordinators' shared database):
// initdb in a temporary directory, then postgres as a child process on a loopback port (its
// socket in that directory too). PostgreSQL refuses to run as root: as root, both run as the
// postgres user the package made, and the directory is handed to it. Stopped and removed by
// stop().
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freeLoopbackPort, type LaunchOptions } from "./infra-servers.js";

const POSTGRES_ROOT = "/usr/lib/postgresql";
const SUPERUSER = "spreadscan";

/** The newest PostgreSQL the machine has (15 on Debian bookworm). */
function binDirectory(): string {
  const versions = existsSync(POSTGRES_ROOT) ? readdirSync(POSTGRES_ROOT).filter((name) => /^\d+$/.test(name)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`no PostgreSQL under ${POSTGRES_ROOT}: run scripts/install-servers.sh (the postgresql package)`);
  return join(POSTGRES_ROOT, newest, "bin");
}

const asRoot = process.getuid?.() === 0;

/** The command line, run as the postgres user when we are root. */
function asServerUser(command: string, args: readonly string[]): [string, string[]] {
  return asRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, [...args]];
}

export interface PostgresServer {
  readonly port: number;
  /** postgres://spreadscan@127.0.0.1:PORT/NAME */
  urlOf(database: string): string;
  /** Creates an empty database and answers its URL. */
  createDatabase(name: string): Promise<string>;
  /** Everything the server wrote, for a failing test's message. */
  output(): string;
  /** A fast shutdown (clients are disconnected); start() brings it back on the same port and data. */
  shutDown(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

export interface PostgresOptions extends LaunchOptions {
  /** Its port; a free one when unset. */
  readonly port?: number;
  /** Where its temporary directory is made; the system's temporary directory when unset. */
  readonly parentDirectory?: string;
}

export async function startPostgres({ port: chosenPort, parentDirectory = tmpdir(), ownProcessGroup = false }: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = binDirectory();
  const directory = mkdtempSync(join(parentDirectory, "spreadscan-postgres-"));
  const dataDirectory = join(directory, "data");
  if (asRoot) {
    const ids = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    const groups = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
    if (ids.status !== 0) throw new Error("running as root, and there is no postgres user to run PostgreSQL as");
    chownSync(directory, Number(ids.stdout.trim()), Number(groups.stdout.trim()));
  }
  const [initCommand, initArgs] = asServerUser(join(bin, "initdb"), [
    "-D",
    dataDirectory,
    "-U",
    SUPERUSER,
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--locale=C",
    "--no-sync",
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: "utf8" });
  if (init.status !== 0) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`initdb failed (${init.status}):\n${init.stdout}${init.stderr}`);
  }

  const port = chosenPort ?? (await freeLoopbackPort());
  let child: ChildProcess | undefined;
  let output = "";
  const urlOf = (database: string): string => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;

  const start = async (): Promise<void> => {
    // fsync off: a test's data need not survive the machine crashing, and it saves the disk.
    const [command, args] = asServerUser(join(bin, "postgres"), [
      "-D",
      dataDirectory,
      "-p",
      String(port),
      "-k",
      directory,
      "-h",
      "127.0.0.1",
      "-c",
      "fsync=off",
    ]);
    const started = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], detached: ownProcessGroup });
    child = started;
    // This start's own output decides readiness: an earlier start's "ready" must not.
    let ownOutput = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`postgres did not start within 20 s:\n${output}`)), 20_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString("utf8");
        ownOutput += chunk.toString("utf8");
        if (ownOutput.includes("database system is ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout.on("data", onData);
      started.stderr.on("data", onData);
      started.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
  };

  const shutDown = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    // SIGINT to the postmaster itself (runuser stands between us and it): a fast shutdown.
    const pidFile = join(dataDirectory, "postmaster.pid");
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
    if (Number.isInteger(postmaster) && postmaster > 0) process.kill(postmaster, "SIGINT");
    else current.kill("SIGINT");
    await exited;
  };

  await start();
  return {
    port,
    urlOf,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlOf("postgres") });
      await client.connect();
      try {
        // A linguistic default collation (ICU English), as a production server's locale gives,
        // rather than initdb's C: an order that only holds under C then shows in the tests.
        await client.query(`create database "${name}" template template0 locale_provider icu icu_locale 'en' locale 'C'`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    output: () => output,
    shutDown,
    start,
    async stop() {
      await shutDown();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
