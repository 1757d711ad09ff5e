// What a command-line process, which lives for one burst of work, asks of V8. A scan of a
// chain file runs its loops before V8 has optimised them. A long loop is compiled mid-run
// (on-stack replacement); by default on a background thread while the loop goes on running
// interpreted until that thread has been scheduled and done. Compiling it on the main thread
// instead lets the loop run compiled at once: the engine's prepare + evaluate in
// bench/cli-chain-scan.ts, paired fresh processes with the host's other work kept off their
// core (SCHED_FIFO), 20.4 ms at the median with this against 22.2 ms without.
//
// Only on-stack replacement can be moved so at run time. Whether V8 compiles whole hot
// functions on a background thread is fixed when the process starts (V8 reads
// --concurrent-recompilation as it sets up its compiler threads), so setting it here changes
// nothing (`--trace-opt` shows the same concurrent compilations). Given on the command line
// it does apply, and made the same scan slower: 24.8 against 21.1 ms.
import { setFlagsFromString } from "node:v8";

/** Compile a running loop on the main thread, as soon as V8 decides to. */
export function compileLoopsOnTheMainThread(): void {
  setFlagsFromString("--no-concurrent-osr");
}
