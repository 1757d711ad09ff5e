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

/**
 * A git repository holding the contracts, the buf-breaking script and buf: its first commit
 * has proto/ as in the checkout; `commit` adds one more commit after an edit.
 */
function contractsRepository(): {
  root: string;
  git: (...args: string[]) => void;
  edit: (from: string, to: string) => void;
  commit: (message: string) => void;
} {
  const root = mkdtempSync(join(tmpdir(), "spreadscan-contracts-"));
  scratchRoots.push(root);
  for (const path of ["buf.yaml", "proto", "scripts/buf-breaking.sh"]) cpSync(join(REPO_ROOT, path), join(root, path), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(root, "node_modules"));
  writeFileSync(join(root, ".gitignore"), "node_modules\n");
  // No global or system configuration: the identity is given here, and no hook or signing applies.
  const env = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
  const git = (...args: string[]) => {
    execFileSync("git", ["-c", "user.name=spreadscan test", "-c", "user.email=test@spreadscan.invalid", ...args], { cwd: root, env, stdio: "ignore" });
  };
  const proto = join(root, "proto/spreadscan/market/v1/option_chain.proto");
  const edit = (from: string, to: string) => {
    const text = readFileSync(proto, "utf8");
    expect(text).toContain(from);
    writeFileSync(proto, text.replace(from, to));
  };
  const commit = (message: string) => {
    git("add", "-A");
    git("commit", "--quiet", "--allow-empty", "-m", message);
  };
  git("init", "--quiet", "--initial-branch=main");
  commit("the contracts");
  return { root, git, edit, commit };
}

const bufBreaking = (root: string) => runTool(join(root, "scripts/buf-breaking.sh"), [], { cwd: root });
const MOVED_STRIKE = 'Previously present field "2" with name "strike" on message "OptionQuote" was deleted.';

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
    writeFileSync(
      proto,
      readFileSync(proto, "utf8").replace("string source = 9;", "string source = 9;\n  // Added without running make gen.\n  string venue = 98;"),
    );
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
    writeFileSync(proto, readFileSync(proto, "utf8").replace("double strike = 2;", "double strike = 99;"));
    const { exitCode, stdout } = await runTool(join(after, "scripts/buf-breaking.sh"), [before], { cwd: after });
    expect(exitCode).not.toBe(0);
    expect(stdout).toContain('Previously present field "2" with name "strike" on message "OptionQuote" was deleted.');
  });
});

describe("buf breaking against the previous state in git history (no argument: what make test and CI run)", () => {
  it("compares a clean tree with the contracts before their last change, even when later commits leave proto/ alone", async () => {
    const repository = contractsRepository();
    repository.edit("double strike = 2;", "double strike = 99;");
    repository.commit("move a field number");
    writeFileSync(join(repository.root, "NOTES.md"), "a commit that leaves proto/ alone\n");
    repository.commit("an unrelated change");
    const { exitCode, stdout } = await bufBreaking(repository.root);
    expect(stdout).toMatch(/comparing the work tree with [0-9a-f]{40}, the parent of [0-9a-f]{40}, the last commit that changed proto\//);
    expect(stdout).toContain(MOVED_STRIKE);
    expect(exitCode).not.toBe(0);
  });

  it("passes when the last change to the contracts only adds to them", async () => {
    const repository = contractsRepository();
    repository.edit("string source = 9;", "string source = 9;\n  // Where the chain was listed.\n  string venue = 98;");
    repository.commit("add a field");
    const { exitCode, stdout } = await bufBreaking(repository.root);
    expect(stdout).toContain("buf breaking: no breaking change against .git#ref=");
    expect(exitCode).toBe(0);
  });

  it("compares uncommitted changes to proto/ with HEAD", async () => {
    const repository = contractsRepository();
    repository.edit("string source = 9;", "string source = 9;\n  // Where the chain was listed.\n  string venue = 98;");
    repository.commit("add a field");
    repository.edit("double strike = 2;", "double strike = 99;");
    const { exitCode, stdout } = await bufBreaking(repository.root);
    expect(stdout).toMatch(/comparing the work tree with HEAD \([0-9a-f]{40}\), as proto\/ has uncommitted changes/);
    expect(stdout).toContain(MOVED_STRIKE);
    expect(exitCode).not.toBe(0);
  });

  it("fails in a shallow clone that lacks the commit to compare with, saying how to get it", async () => {
    const repository = contractsRepository();
    repository.edit("string source = 9;", "string source = 9;\n  // Where the chain was listed.\n  string venue = 98;");
    repository.commit("add a field");
    const shallow = join(repository.root, "shallow");
    repository.git("clone", "--quiet", "--depth=1", `file://${repository.root}`, shallow);
    symlinkSync(join(REPO_ROOT, "node_modules"), join(shallow, "node_modules"));
    const { exitCode, stderr } = await bufBreaking(shallow);
    expect(stderr).toContain("this is a shallow clone without the commit before");
    expect(stderr).toContain("git fetch --unshallow");
    expect(exitCode).toBe(2);
  });

  it("has nothing to compare against when proto/ came with the root commit", async () => {
    const repository = contractsRepository();
    writeFileSync(join(repository.root, "NOTES.md"), "a commit that leaves proto/ alone\n");
    repository.commit("an unrelated change");
    const { exitCode, stdout } = await bufBreaking(repository.root);
    expect(stdout).toMatch(/proto\/ was created by the root commit [0-9a-f]{40}; nothing to compare against/);
    expect(exitCode).toBe(0);
  });
});
