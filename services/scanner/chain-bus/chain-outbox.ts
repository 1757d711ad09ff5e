// Versions a replica committed while NATS was down, in the order it committed them, waiting
// to be published on its return. Bounded in bytes: past the bound a symbol's oldest waiting
// versions are dropped (the other replicas then miss them, and still get the latest).

export interface QueuedVersion {
  readonly version: bigint;
  readonly chainBytes: Uint8Array;
}

export class ChainOutbox {
  private readonly queued = new Map<string, QueuedVersion[]>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onDropped: (symbol: string, version: bigint) => void,
  ) {}

  /** Whether versions of the symbol wait: a new one must wait behind them, to keep the order. */
  has(symbol: string): boolean {
    return this.queued.has(symbol);
  }

  get size(): number {
    let count = 0;
    for (const versions of this.queued.values()) count += versions.length;
    return count;
  }

  add(symbol: string, version: bigint, chainBytes: Uint8Array): void {
    const versions = this.queued.get(symbol) ?? [];
    this.queued.set(symbol, versions);
    versions.push({ version, chainBytes });
    this.bytes += chainBytes.length;
    // The latest of each symbol always stays: it is what the other replicas must end with.
    for (let dropped = versions[0]; this.bytes > this.maxBytes && versions.length > 1 && dropped; dropped = versions[0]) {
      versions.shift();
      this.bytes -= dropped.chainBytes.length;
      this.onDropped(symbol, dropped.version);
    }
  }

  symbols(): string[] {
    return [...this.queued.keys()];
  }

  /** The symbol's oldest waiting version. */
  first(symbol: string): QueuedVersion | undefined {
    return this.queued.get(symbol)?.[0];
  }

  /** Removes the symbol's oldest waiting version (it was published). */
  shift(symbol: string): void {
    const versions = this.queued.get(symbol);
    const sent = versions?.shift();
    if (sent) this.bytes -= sent.chainBytes.length;
    if (versions?.length === 0) this.queued.delete(symbol);
  }

  /** Forgets every version of the symbol still waiting. */
  discard(symbol: string): void {
    for (const version of this.queued.get(symbol) ?? []) this.bytes -= version.chainBytes.length;
    this.queued.delete(symbol);
  }
}
