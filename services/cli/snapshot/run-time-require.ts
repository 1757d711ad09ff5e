// What a startup snapshot must not hold is loaded when a command first uses it, from the
// installed files beside the snapshot: @grpc/grpc-js reads its environment (GRPC_VERBOSITY,
// GRPC_TRACE, GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, ...) when it is loaded, so loaded while the
// snapshot was built it would keep the builder's. The bundle (scripts/build-cli-snapshot.mjs)
// reaches such a package through a stand-in that asks this module for it; the snapshot's main
// function says where to load from before any command runs.
let requireInstalled: ((id: string) => unknown) | undefined;

/** Set once per process, by snapshot-main.ts, before the command line runs. */
export function loadInstalledFrom(require: (id: string) => unknown): void {
  requireInstalled = require;
}

/** The installed package `id`; refused while the snapshot is being built, so that nothing loads it into the snapshot. */
export function requireAtRunTime(id: string): unknown {
  if (!requireInstalled) throw new Error(`${id} is loaded when a command uses it, never into the CLI's startup snapshot`);
  return requireInstalled(id);
}
