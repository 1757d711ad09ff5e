// Who may call: API keys, each naming its client and what it may do. Keys are kept only as
// SHA-256 digests, so a heap dump or a log line never shows one, and looked up by digest.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

/** What a key allows: "scan" for every reading call, "admin" for those that change state (and all of "scan"). */
export type Scope = "scan" | "admin";

export interface ApiClient {
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}

export interface ApiKeyEntry {
  readonly client: string;
  readonly key: string;
  readonly scopes: readonly Scope[];
}

const KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/;
const CLIENT = /^[A-Za-z0-9._@-]{1,64}$/;
const SCOPES: readonly Scope[] = ["scan", "admin"];

const digest = (key: string): string => createHash("sha256").update(key).digest("base64");

export class ApiKeys {
  private readonly clients = new Map<string, ApiClient>();

  /** Throws an Error naming the first bad entry. */
  constructor(entries: readonly ApiKeyEntry[]) {
    entries.forEach((entry, index) => {
      const where = `entry ${index + 1} (${entry.client || "no client"})`;
      if (!CLIENT.test(entry.client)) throw new Error(`${where}: the client name must be 1 to 64 letters, digits or ._@-`);
      if (!KEY.test(entry.key)) throw new Error(`${where}: the key must be 16 to 256 characters of letters, digits or ._~+/=-`);
      const unknown = entry.scopes.filter((scope) => !SCOPES.includes(scope));
      if (entry.scopes.length === 0 || unknown.length > 0)
        throw new Error(`${where}: scopes must be among ${SCOPES.join(", ")}; got ${JSON.stringify(entry.scopes)}`);
      const id = digest(entry.key);
      if (this.clients.has(id)) throw new Error(`${where}: the same key is given twice`);
      const scopes = new Set<Scope>(entry.scopes.includes("admin") ? ["scan", "admin"] : entry.scopes);
      this.clients.set(id, { name: entry.client, scopes });
    });
  }

  get size(): number {
    return this.clients.size;
  }

  /** The key's client, or undefined for a key we do not know. */
  clientOf(key: string): ApiClient | undefined {
    return this.clients.get(digest(key));
  }

  /** `client:key:scope+scope` entries separated by commas, as API_KEYS holds them. */
  static parseInline(text: string): ApiKeyEntry[] {
    return text
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== "")
      .map((part, index) => {
        const [client = "", key = "", scopes = "", ...rest] = part.split(":");
        if (rest.length > 0 || key === "") throw new Error(`entry ${index + 1}: expected client:key:scope+scope`);
        return { client, key, scopes: scopes.split("+").filter((scope) => scope !== "") as Scope[] };
      });
  }

  /** A JSON file: {"keys": [{"client": "...", "key": "...", "scopes": ["scan"]}]}. */
  static readFile(path: string): ApiKeyEntry[] {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    const keys = typeof parsed === "object" && parsed !== null && "keys" in parsed ? parsed.keys : undefined;
    if (!Array.isArray(keys)) throw new Error('expected {"keys": [{"client": ..., "key": ..., "scopes": [...]}]}');
    return keys.map((entry: unknown, index) => {
      const record = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
      const { client, key, scopes } = record;
      if (typeof client !== "string" || typeof key !== "string" || !Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string")) {
        throw new Error(`entry ${index + 1}: needs "client" and "key" strings and a "scopes" list`);
      }
      return { client, key, scopes: scopes as Scope[] };
    });
  }
}
