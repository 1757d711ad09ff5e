// One contract's market data as TWS ticks it in: prices, sizes and option computations arrive
// one field at a time, live and delayed under different tick types, with sentinels (-1, or
// undefined from the library) for "nothing yet". This keeps the latest of each and answers
// what a quote needs, preferring live fields to delayed ones when both came.
import { IBApiTickType as TickType } from "@stoqey/ib";

/** The model greeks and implied volatility from tickOptionComputation. */
export interface OptionComputation {
  readonly impliedVolatility?: number | undefined;
  readonly delta?: number | undefined;
  readonly gamma?: number | undefined;
  readonly vega?: number | undefined;
  readonly theta?: number | undefined;
  readonly underlyingPrice?: number | undefined;
  readonly pvDividend?: number | undefined;
}

/** Which computation tick types to trust, best first: the model's, then the quotes'. */
const COMPUTATION_PREFERENCE: readonly number[] = [
  TickType.MODEL_OPTION,
  TickType.DELAYED_MODEL_OPTION,
  TickType.LAST_OPTION,
  TickType.DELAYED_LAST_OPTION,
  TickType.BID_OPTION,
  TickType.DELAYED_BID_OPTION,
  TickType.ASK_OPTION,
  TickType.DELAYED_ASK_OPTION,
];

const DELAYED_TICKS: ReadonlySet<number> = new Set([
  TickType.DELAYED_BID,
  TickType.DELAYED_ASK,
  TickType.DELAYED_LAST,
  TickType.DELAYED_CLOSE,
  TickType.DELAYED_VOLUME,
  TickType.DELAYED_MODEL_OPTION,
  TickType.DELAYED_BID_OPTION,
  TickType.DELAYED_ASK_OPTION,
  TickType.DELAYED_LAST_OPTION,
]);

/** TWS's marketDataType answer: 1 real-time, 2 frozen, 3 delayed, 4 delayed-frozen. */
const DELAYED_MARKET_DATA_TYPES: ReadonlySet<number> = new Set([3, 4]);
/** Frozen (2) and delayed-frozen (4): the market is closed and these are its last values. */
const FROZEN_MARKET_DATA_TYPES: ReadonlySet<number> = new Set([2, 4]);

export class QuoteTicks {
  private readonly prices = new Map<number, number>();
  private readonly sizes = new Map<number, number>();
  private readonly computations = new Map<number, OptionComputation>();
  private delayedType = false;
  private frozenType = false;
  private delayedTick = false;
  /** Counts every tick taken, so a reader can tell whether anything changed since it looked. */
  version = 0;

  /** tickPrice. A non-positive price is TWS's "none" (no bid, no trade). */
  price(field: number, value: number | undefined): void {
    if (value === undefined || !Number.isFinite(value)) return;
    this.prices.set(field, value);
    this.noteField(field);
  }

  /** tickSize. */
  size(field: number | undefined, value: number | undefined): void {
    if (field === undefined || value === undefined || !Number.isFinite(value)) return;
    this.sizes.set(field, value);
    this.noteField(field);
  }

  /** tickOptionComputation, with the library's undefined for "not computed". */
  optionComputation(field: number, computation: OptionComputation): void {
    this.computations.set(field, computation);
    this.noteField(field);
  }

  /** The marketDataType message TWS sends before the first tick of a request. */
  marketDataType(type: number): void {
    this.delayedType = DELAYED_MARKET_DATA_TYPES.has(type);
    this.frozenType = FROZEN_MARKET_DATA_TYPES.has(type);
    this.version++;
  }

  /** Whether any tick has come at all. */
  get empty(): boolean {
    return this.prices.size === 0 && this.sizes.size === 0 && this.computations.size === 0;
  }

  /** Whether this contract's data is delayed: TWS said so, or only delayed tick types came. */
  get delayed(): boolean {
    return this.delayedType || this.delayedTick;
  }

  /** Whether TWS said this request's data is frozen (type 2 or 4): the last values from before the close. */
  get frozen(): boolean {
    return this.frozenType;
  }

  /** Best bid, 0 for none. */
  get bid(): number {
    return positive(this.preferred(this.prices, TickType.BID, TickType.DELAYED_BID));
  }

  get ask(): number {
    return positive(this.preferred(this.prices, TickType.ASK, TickType.DELAYED_ASK));
  }

  get last(): number {
    return positive(this.preferred(this.prices, TickType.LAST, TickType.DELAYED_LAST));
  }

  get close(): number {
    return positive(this.preferred(this.prices, TickType.CLOSE, TickType.DELAYED_CLOSE));
  }

  /** Contracts traded this session, whole and non-negative. */
  get volume(): number {
    const volume = this.preferred(this.sizes, TickType.VOLUME, TickType.DELAYED_VOLUME);
    return volume !== undefined && volume > 0 ? Math.round(volume) : 0;
  }

  /** Open interest from generic tick 101 (streams only: TWS refuses generic ticks on snapshots). */
  get openInterest(): number {
    const value =
      this.sizes.get(TickType.OPTION_CALL_OPEN_INTEREST) ?? this.sizes.get(TickType.OPTION_PUT_OPEN_INTEREST) ?? this.sizes.get(TickType.OPEN_INTEREST);
    return value !== undefined && value > 0 ? Math.round(value) : 0;
  }

  /** The most trustworthy option computation with the field asked for. */
  computation(pick: (computation: OptionComputation) => number | undefined): number | undefined {
    for (const field of COMPUTATION_PREFERENCE) {
      const computation = this.computations.get(field);
      if (!computation) continue;
      const value = pick(computation);
      if (value !== undefined && Number.isFinite(value)) return value;
    }
    return undefined;
  }

  /** The underlying's price: mid of a sane bid/ask, else the last trade, else the close; undefined for none. */
  get spot(): number | undefined {
    const { bid, ask } = this;
    if (bid > 0 && ask > 0 && bid <= ask) return (bid + ask) / 2;
    if (this.last > 0) return this.last;
    if (this.close > 0) return this.close;
    return undefined;
  }

  private noteField(field: number): void {
    if (DELAYED_TICKS.has(field)) this.delayedTick = true;
    this.version++;
  }

  private preferred(values: ReadonlyMap<number, number>, live: number, delayed: number): number | undefined {
    return values.get(live) ?? values.get(delayed);
  }
}

function positive(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : 0;
}
