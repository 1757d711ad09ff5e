// Builds the CLI's startup snapshot (docs/architecture.md, "Starting from a snapshot"):
// services/cli/snapshot-main.ts bundled by esbuild into one CommonJS file (a snapshot's
// builder runs one script, which may require only Node's own modules), then run by this Node
// with --build-snapshot. Writes into OUT_DIR (default dist/cli-snapshot):
//   spreadscan.cjs   the bundle       spreadscan.blob   the snapshot
//   node-version     the Node that built it, as `node --version` prints it: bin/spreadscan
//                    starts from the snapshot only on that Node (another refuses the blob)
// Usage: node scripts/build-cli-snapshot.mjs [OUT_DIR]
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = resolve(process.argv[2] ?? join(root, "dist", "cli-snapshot"));
const bundle = join(outDir, "spreadscan.cjs");
const blob = join(outDir, "spreadscan.blob");
const stamp = join(outDir, "node-version");

// Packages loaded from the installed files when a command first uses them, never into the
// snapshot (services/cli/snapshot/run-time-require.ts says why).
const AT_RUN_TIME = ["@grpc/grpc-js"];
const runTimeRequire = join(root, "services", "cli", "snapshot", "run-time-require.ts");
const requireFromRoot = createRequire(join(root, "package.json"));

/** Plain tables of numbers or strings (grpc-js's `status`, `connectivityState`, ...), read at module load by our code. */
const isEnum = (value) =>
  typeof value === "object" && value !== null && Object.values(value).every((entry) => typeof entry === "number" || typeof entry === "string");

/**
 * A stand-in module for `id`. Its enums are copied in (they are constants, and our modules read
 * them as they load); every other export is a getter that loads the package on first use. The
 * generated clients are made at module load (makeGenericClientConstructor), so that export
 * gives a constructor that makes the real one when first used.
 */
function standIn(id) {
  const exported = requireFromRoot(id);
  const names = Object.keys(exported).filter((name) => name !== "makeGenericClientConstructor" && name !== "__esModule");
  const enums = Object.fromEntries(names.filter((name) => isEnum(exported[name])).map((name) => [name, exported[name]]));
  const lazy = names.filter((name) => !Object.hasOwn(enums, name));
  return `"use strict";
const { requireAtRunTime } = require(${JSON.stringify(runTimeRequire)});
let loaded;
const real = () => (loaded ??= requireAtRunTime(${JSON.stringify(id)}));
for (const [name, value] of Object.entries(${JSON.stringify(enums)})) exports[name] = Object.freeze(value);
for (const name of ${JSON.stringify(lazy)}) Object.defineProperty(exports, name, { enumerable: true, get: () => real()[name] });
exports.makeGenericClientConstructor = (...args) => {
  let made;
  const client = () => (made ??= real().makeGenericClientConstructor(...args));
  return new Proxy(function Client() {}, { construct: (_target, params) => Reflect.construct(client(), params), get: (_target, key) => client()[key] });
};
`;
}

const loadAtRunTime = {
  name: "load-at-run-time",
  setup(build) {
    const filter = new RegExp(`^(${AT_RUN_TIME.map((id) => id.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
    build.onResolve({ filter }, ({ path }) => ({ path, namespace: "load-at-run-time" }));
    build.onLoad({ filter: /.*/, namespace: "load-at-run-time" }, ({ path }) => ({ contents: standIn(path), loader: "js", resolveDir: root }));
  },
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
await esbuild.build({
  entryPoints: [join(root, "services", "cli", "snapshot-main.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  tsconfig: join(root, "tsconfig.json"),
  plugins: [loadAtRunTime],
  // A process started from a snapshot has no dynamic import (Node gives it no callback for
  // one): the OTLP exporter's import("http") becomes a require.
  supported: { "dynamic-import": false },
  logLevel: "warning",
});
// The builder runs in the output directory, so that nothing it writes lands elsewhere.
execFileSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", bundle], { cwd: outDir, stdio: "inherit" });
writeFileSync(stamp, `${process.version}\n`);
console.log(`CLI startup snapshot: ${blob} (Node ${process.version})`);
