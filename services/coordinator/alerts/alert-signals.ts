// Tells this coordinator's WatchAlerts streams at once when this coordinator wrote a saved
// scan's events; events another coordinator wrote reach them by polling the database.
import { EventEmitter } from "node:events";
import type { SavedScanKey } from "./alert-store.js";

const topicOf = ({ owner, name }: SavedScanKey): string => `${owner}\u0000${name}`;

export class AlertSignals {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  written(key: SavedScanKey): void {
    this.emitter.emit(topicOf(key));
  }

  /** Calls `listener` after each write of the saved scan's events here; answers the unsubscribe. */
  subscribe(key: SavedScanKey, listener: () => void): () => void {
    const topic = topicOf(key);
    this.emitter.on(topic, listener);
    return () => this.emitter.off(topic, listener);
  }
}
