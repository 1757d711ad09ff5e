// DATA_DIR and DATABASE_URL as the coordinator reads them: a directory resolved against the
// working directory, and a PostgreSQL URL or nothing; a bad URL is named, never repeated.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../services/common/config.js";
import { coordinatorConfig, coordinatorVariables } from "../../../services/coordinator/config.js";

const databaseOf = (variables: Record<string, string>) => coordinatorConfig(loadConfig(coordinatorVariables, variables)).database;

function problemsOf(variables: Record<string, string>): readonly string[] {
  try {
    databaseOf(variables);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the coordinator's database settings", () => {
  it("default to SQLite in ./data, and resolve a relative DATA_DIR against the working directory", () => {
    expect(databaseOf({})).toEqual({ dataDir: join(process.cwd(), "data"), databaseUrl: undefined });
    expect(databaseOf({ DATA_DIR: "var/spreadscan" }).dataDir).toBe(join(process.cwd(), "var/spreadscan"));
    expect(databaseOf({ DATA_DIR: "/srv/spreadscan", DATABASE_URL: " " })).toEqual({ dataDir: "/srv/spreadscan", databaseUrl: undefined });
  });

  it.each(["postgres://spreadscan:secret@db.internal:5432/spreadscan", "postgresql://db.internal/spreadscan?sslmode=require"])("take %s", (url) => {
    expect(databaseOf({ DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each(["mysql://user:hunter2@db/x", "postgres:///socket-only", "hunter2", "postgres//user:hunter2@db/x"])("refuse %s without repeating it", (url) => {
    const problems = problemsOf({ DATABASE_URL: url });
    expect(problems).toEqual(["DATABASE_URL: must be postgres://user:password@host:port/database (or postgresql://) (the value is not shown)"]);
    expect(problems.join("\n")).not.toContain("hunter2");
  });
});
