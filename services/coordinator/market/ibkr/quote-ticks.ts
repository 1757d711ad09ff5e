// One contract's market data as TWS ticks it in on one request: prices, sizes and option
// computations arrive one field at a time, live and delayed under different tick types, with
// sentinels (-1, or undefined from the library) for "nothing". This keeps the latest of each
// and answers what a quote needs, preferring live fields to delayed ones when both came.
import { IBApiTickType as TickType } from "@stoqey/ib";

/**
 * One tickOptionComputation record. @stoqey/ib hands TWS's "not computed" sentinels over as
 * undefined (IV −1, delta/gamma/vega/theta −2, optPrice/pvDividend/undPrice −1).
 */
export interface OptionComputation {
  readonly impliedVolatility?: number | undefined;
  readonly delta?: number | undefined;
  readonly gamma?: number | undefined;
  readonly vega?: number | undefined;
  readonly theta?: number | undefined;
  readonly underlyingPrice?: number | undefined;
  readonly pvDividend?: number | undefined;
}

/** The computation records of an option, each a whole of its own: TWS computes each from a different price. */
const MODEL_RECORDS: readonly number[] = [TickType.MODEL_OPTION, TickType.DELAYED_MODEL_OPTION];
const BID_RECORDS: readonly number[] = [TickType.BID_OPTION, TickType.DELAYED_BID_OPTION];
const ASK_RECORDS: readonly number[] = [TickType.ASK_OPTION, TickType.DELAYED_ASK_OPTION];
const LAST_RECORDS: readonly number[] = [TickType.LAST_OPTION, TickType.DELAYED_LAST_OPTION];

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

export class QuoteTicks {
  private readonly prices = new Map<number, number>();
  private readonly sizes = new Map<number, number>();
  private readonly computations = new Map<number, OptionComputation>();
  private delayedType = false;
  private delayedTick = false;
  /** Counts every tick taken, so a reader can tell whether anything changed since it looked. */
  version = 0;

  /** tickPrice. A non-positive price is TWS's "none" (no bid, no trade), kept so that its arrival counts. */
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
    this.version++;
  }

  /** Whether any tick has come at all. */
  get empty(): boolean {
    return this.prices.size === 0 && this.sizes.size === 0 && this.computations.size === 0;
  }

  /** Whether this request's data is delayed: TWS said so, or delayed tick types came. */
  get delayed(): boolean {
    return this.delayedType || this.delayedTick;
  }

  /** Whether both sides of the quote have arrived, −1 ("none") included. */
  get hasBidAndAsk(): boolean {
    return (this.prices.has(TickType.BID) || this.prices.has(TickType.DELAYED_BID)) && (this.prices.has(TickType.ASK) || this.prices.has(TickType.DELAYED_ASK));
  }

  /** Whether the model's computation (tick 13, or 83 delayed) has arrived, computed or not. */
  get hasModelRecord(): boolean {
    return MODEL_RECORDS.some((field) => this.computations.has(field));
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

  /**
   * Open interest from generic tick 101 (streams only: TWS refuses generic ticks on snapshots),
   * undefined until it came. TWS sends an option both tick 27 (call) and 28 (put), the side that
   * does not apply as 0, so the contract's right decides which one to read.
   */
  openInterest(right: "C" | "P"): number | undefined {
    const value = this.sizes.get(right === "C" ? TickType.OPTION_CALL_OPEN_INTEREST : TickType.OPTION_PUT_OPEN_INTEREST);
    return value === undefined ? undefined : Math.max(0, Math.round(value));
  }

  /**
   * The one computation record to trust, or undefined: the model's, else the midpoint of the
   * bid's and the ask's (both usable), else the last trade's. Never fields from several.
   */
  get computationRecord(): OptionComputation | undefined {
    const model = this.usableRecord(MODEL_RECORDS);
    if (model) return model;
    const bid = this.usableRecord(BID_RECORDS);
    const ask = this.usableRecord(ASK_RECORDS);
    if (bid && ask) return midpoint(bid, ask);
    return this.usableRecord(LAST_RECORDS);
  }

  /** A field of the one trusted computation record (see computationRecord). */
  computation(pick: (computation: OptionComputation) => number | undefined): number | undefined {
    const record = this.computationRecord;
    if (!record) return undefined;
    const value = pick(record);
    return value !== undefined && Number.isFinite(value) ? value : undefined;
  }

  /** The underlying's price: mid of a sane bid/ask, else the last trade, else the close; undefined for none. */
  get spot(): number | undefined {
    const { bid, ask } = this;
    if (bid > 0 && ask > 0 && bid <= ask) return (bid + ask) / 2;
    if (this.last > 0) return this.last;
    if (this.close > 0) return this.close;
    return undefined;
  }

  private usableRecord(fields: readonly number[]): OptionComputation | undefined {
    for (const field of fields) {
      const record = this.computations.get(field);
      if (record && usable(record)) return record;
    }
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

/** A record TWS computed: an implied volatility and a delta (the rest may be missing). */
function usable(record: OptionComputation): boolean {
  const { impliedVolatility, delta } = record;
  return impliedVolatility !== undefined && Number.isFinite(impliedVolatility) && impliedVolatility > 0 && delta !== undefined && Number.isFinite(delta);
}

/** The mean of two whole records, field by field; a field either lacks stays missing. */
function midpoint(a: OptionComputation, b: OptionComputation): OptionComputation {
  const mean = (x: number | undefined, y: number | undefined): number | undefined =>
    x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) ? (x + y) / 2 : undefined;
  return {
    impliedVolatility: mean(a.impliedVolatility, b.impliedVolatility),
    delta: mean(a.delta, b.delta),
    gamma: mean(a.gamma, b.gamma),
    vega: mean(a.vega, b.vega),
    theta: mean(a.theta, b.theta),
    underlyingPrice: mean(a.underlyingPrice, b.underlyingPrice),
    pvDividend: mean(a.pvDividend, b.pvDividend),
  };
}

function positive(value: number | undefined): number {
  return value !== undefined && value > 0 ? value : 0;
}
