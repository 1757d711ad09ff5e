// Steady load as a few client processes would make it: each caller makes a call, pauses,
// and makes the next, until stopped.
import { sleep } from "./services.js";

export interface ClosedLoopLoad {
  /** Lets every caller finish its call in flight, and resolves when all have. */
  stop(): Promise<void>;
}

/**
 * Starts `callers` callers, each calling `call(its index)` then pausing `thinkMs`; their
 * starts are spread over the first pause, so that they do not march in step.
 */
export function startClosedLoopLoad(callers: number, thinkMs: number, call: (caller: number) => Promise<unknown>): ClosedLoopLoad {
  let running = true;
  const done = Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      await sleep((thinkMs * caller) / callers);
      while (running) {
        await call(caller);
        await sleep(thinkMs);
      }
    }),
  );
  return {
    async stop() {
      running = false;
      await done;
    },
  };
}
