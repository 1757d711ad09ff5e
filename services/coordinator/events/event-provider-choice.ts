// Which event provider a coordinator uses: the user's events file when EVENTS_FILE names one
// (the only source then), else the simulated calendar on the simulated market, else none:
// events unknown (IBKR's Wall Street Horizon calendar is not read).
import { SIMULATED_SOURCE } from "../../market-model/synthetic-chain.js";
import type { EventProvider } from "./event-provider.js";
import type { FileEvents } from "./events-file.js";
import { FileEventProvider } from "./file-events.js";
import { SimulatedEventProvider } from "./simulated-events.js";

export interface EventSettings {
  /** The events of EVENTS_FILE, read at start; absent without the variable. */
  readonly file?: { readonly path: string; readonly events: FileEvents } | undefined;
  /** SIMULATED_SEED: the simulated calendar's seed. */
  readonly simulatedSeed: number;
}

export function chooseEventProvider(settings: EventSettings, marketName: string): EventProvider | undefined {
  if (settings.file) return new FileEventProvider(settings.file.events);
  if (marketName === SIMULATED_SOURCE) return new SimulatedEventProvider(settings.simulatedSeed);
  return undefined;
}
