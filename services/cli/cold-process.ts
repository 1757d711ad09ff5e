// What a command-line process, which lives for one burst of work, asks of V8. A scan of a
// chain file runs its loops before V8 has optimised them; V8 compiles a hot loop on a
// background thread by default, and the loop goes on running interpreted until that thread
// has been scheduled and done. On a busy machine that is most of the scan (bench/cli-chain-scan.ts
// measured the engine's prepare + evaluate about halved by compiling on the main thread, on
// two cores shared with other work); a process this short gains nothing from the background.
import { setFlagsFromString } from "node:v8";

/** Optimise hot functions and loops on the main thread, as soon as V8 decides to. */
export function compileOnTheMainThread(): void {
  setFlagsFromString("--no-concurrent-recompilation");
  setFlagsFromString("--no-concurrent-osr");
}
