// Whose watchlists (and, later, saved scans) a call reads and writes: the client named by its
// API key, or, while API keys are off, the one owner every caller shares. The key check has
// already refused a call without a known key when keys are on, so a caller known only by its
// address is a caller of a deployment without keys.
import type { Caller } from "../common/call-identity.js";

/** The owner shared by every caller while API keys are off. */
export const SHARED_OWNER = "";

export function ownerOf(caller: Caller): string {
  return caller.kind === "client" ? caller.client.name : SHARED_OWNER;
}
