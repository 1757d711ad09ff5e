// The checks that guard the contracts and gen/ must fail when they should: each case runs
// the real script, as `make test` does, on a scratch copy of the checkout with one defect.
import { execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runTool } from "../support/tools.js";

const scratchRoots: string[] = [];
afterAll(() => {
  for (const root of scratchRoots) rmSync(root, { recursive: true, force: true });
});

/** A copy of the checkout's files (tracked and new, not ignored) sharing its installed tools. */
function scratchCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), "spreadscan-checkout-"));
  scratchRoots.push(root);
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT })
    .toString()
    .split("\0")
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(root, file), { preserveTimestamps: true });
  }
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
  symlinkSync(join(REPO_ROOT, ".tools"), join(root, ".tools"));
  return root;
}

const checkGen = (root: string) => runTool(join(root, "scripts/check-gen.sh"), [], { cwd: root, timeoutMs: 120_000 });
const bufLint = (root: string) => runTool(join(root, "node_modules/.bin/buf"), ["lint"], { cwd: root });

describe("the generated-code drift check", () => {
  it("passes on the checkout as it is", async () => {
    const { exitCode, stdout, stderr } = await checkGen(scratchCheckout());
    expect(stderr).toBe("");
    expect(exitCode).toBe(0);
    expect(stdout).toContain("gen/ matches make gen");
  });

  it("fails when a generated file is edited by hand, naming it", async () => {
    const root = scratchCheckout();
    appendFileSync(join(root, "gen/ts/spreadscan/market/v1/option_chain.ts"), "// a hand edit\n");
    const { exitCode, stdout } = await checkGen(root);
    expect(exitCode).toBe(1);
    expect(stdout).toContain("option_chain.ts");
  });

  it("fails when gen/ holds a file make gen does not write", async () => {
    const root = scratchCheckout();
    writeFileSync(join(root, "gen/go/spreadscan/market/v1/stale.pb.go"), "package marketv1\n");
    const { exitCode, stdout } = await checkGen(root);
    expect(exitCode).toBe(1);
    expect(stdout).toContain("stale.pb.go");
  });

  it("fails when a proto changed and its generated code was not committed", async () => {
    const root = scratchCheckout();
    const proto = join(root, "proto/spreadscan/market/v1/option_chain.proto");
    writeFileSync(proto, readFileSync(proto, "utf8").replace("string source = 9;", "string source = 9;\n  // Added without running make gen.\n  string venue = 10;"));
    const { exitCode } = await checkGen(root);
    expect(exitCode).toBe(1);
  });
});

describe("buf lint and buf breaking", () => {
  it("pass on the contracts as they are", async () => {
    expect((await bufLint(scratchCheckout())).exitCode).toBe(0);
  });

  it("buf lint fails when a proto breaks the STANDARD rules", async () => {
    const root = scratchCheckout();
    const proto = join(root, "proto/spreadscan/market/v1/option_chain.proto");
    writeFileSync(proto, readFileSync(proto, "utf8").replace("double underlying_price = 2;", "double underlyingPrice = 2;"));
    const { exitCode, stdout } = await bufLint(root);
    expect(exitCode).not.toBe(0);
    expect(stdout).toContain('Field name "underlyingPrice" should be lower_snake_case');
  });

  it("buf breaking fails when a field number changes", async () => {
    const before = scratchCheckout();
    const after = scratchCheckout();
    const proto = join(after, "proto/spreadscan/market/v1/option_chain.proto");
    writeFileSync(proto, readFileSync(proto, "utf8").replace("double strike = 2;", "double strike = 13;"));
    const { exitCode, stdout } = await runTool(join(after, "scripts/buf-breaking.sh"), [before], { cwd: after });
    expect(exitCode).not.toBe(0);
    expect(stdout).toContain('Previously present field "2" with name "strike" on message "OptionQuote" was deleted.');
  });
});
