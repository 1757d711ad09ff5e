// Work on one symbol's chain, one piece after another: a merge must start from the version
// before it, and a version from another replica must not land in the middle of a change.
// Symbols do not wait for each other.
export class SymbolQueue {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` once the symbol's earlier work settled (failed or not); settles as it does. */
  run<T>(symbol: string, work: () => T | Promise<T>): Promise<T> {
    const previous = this.tails.get(symbol) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(symbol, settled);
    void settled.then(() => {
      if (this.tails.get(symbol) === settled) this.tails.delete(symbol);
    });
    return next;
  }
}
