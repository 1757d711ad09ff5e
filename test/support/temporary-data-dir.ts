// A DATA_DIR of its own for each coordinator a test starts without naming one, so that no
// test writes the repository's ./data (DATA_DIR's default) and no two coordinators share a
// SQLite file by accident. Removed when the test process exits.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];
process.once("exit", () => {
  for (const directory of made) rmSync(directory, { recursive: true, force: true });
});

export function temporaryDataDir(): string {
  const directory = mkdtempSync(join(tmpdir(), "spreadscan-data-"));
  made.push(directory);
  return directory;
}

/** The environment with a fresh DATA_DIR added when it names neither DATA_DIR nor DATABASE_URL. */
export function withDataDir(env: Record<string, string>): Record<string, string> {
  return env.DATA_DIR !== undefined || env.DATABASE_URL ? env : { ...env, DATA_DIR: temporaryDataDir() };
}
