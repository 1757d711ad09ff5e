// What a command-line process, which lives for one burst of work, asks of V8. A scan of a
// chain file runs its loops before V8 has optimised them. A long loop is compiled mid-run
// (on-stack replacement); by default on a background thread while the loop goes on running
// interpreted until that thread has been scheduled and done. Compiling it on the main thread
// instead lets the loop run compiled at once.
//
// Measured with bench/cli-chain-scan.ts's command, paired fresh processes with the host's
// other work kept off their core (SCHED_FIFO), the engine's prepare + evaluate at the median:
// 20.4 ms with both flags, 22.2 ms with neither; without --no-concurrent-recompilation alone,
// preparation 5.4 against 4.7 ms. Set here, at run time, that flag does not make V8 compile
// whole hot functions on the main thread (it sets up its compiler threads before reading it:
// `--trace-opt` shows the same concurrent Maglev compilations either way), yet the chain's
// preparation is faster with it; why was not pinned down. Given on the command line, where
// it does move every compilation to the main thread, the scan was slower: 24.8 against 21.1 ms.
import { setFlagsFromString } from "node:v8";

/** Compile a running loop on the main thread, as soon as V8 decides to. */
export function compileLoopsOnTheMainThread(): void {
  setFlagsFromString("--no-concurrent-recompilation");
  setFlagsFromString("--no-concurrent-osr");
}
