// cancelMktData is a message like any other: paced, and refused with error 100 if the pacing
// slipped. A lost cancel leaves a line open at TWS for good, so for a while after sending
// one we listen on its request id and send it again if TWS refused it.
import type { IbConnection } from "./ib-connection.js";
import { IbCode } from "./ib-errors.js";
import { Priority, type MessagePacer } from "./message-pacer.js";

/** How long after a cancel a refusal can still arrive; TWS answers within milliseconds. */
const REFUSAL_WATCH_MS = 2000;
const MAX_RESENDS = 10;

/**
 * Cancels the market data request `reqId`. Resolves once the cancel has been sent, or at once
 * when there is no session (a dropped session has cancelled everything already); never rejects.
 */
export async function cancelMarketData(connection: IbConnection, pacer: MessagePacer, reqId: number, resends = 0): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const stopWatching = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    connection.unregister(reqId);
  };
  try {
    await pacer.send(
      () => {
        connection.register(reqId, {
          onError: (code) => {
            // 300 (no such ticker) means TWS had already ended it: nothing left to do.
            stopWatching();
            if (code !== IbCode.MESSAGE_RATE_EXCEEDED) return;
            pacer.rateExceeded();
            if (resends < MAX_RESENDS) void cancelMarketData(connection, pacer, reqId, resends + 1);
          },
          onDisconnect: stopWatching,
        });
        if (!connection.send((api) => api.cancelMktData(reqId))) {
          stopWatching();
          return;
        }
        timer = setTimeout(stopWatching, REFUSAL_WATCH_MS);
        timer.unref();
      },
      { priority: Priority.CONTROL },
    );
  } catch {
    // The pacer is closed (shutting down): the socket goes next, and with it every line.
    stopWatching();
  }
}
