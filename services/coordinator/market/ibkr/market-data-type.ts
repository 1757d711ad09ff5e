// Which market data type the session asks TWS for (reqMarketDataType), from IB_MARKET_DATA_TYPE
// and the fallback to delayed data on error 354.
//
// Frozen (2) is live data while the market is open and the values it closed with once it is
// not, where live (1) gives bid and ask −1 after the close; delayed-frozen (4) is the same for
// delayed data (3). So the frozen variant is always requested: 1 and 2 both ask for 2, 3 and 4
// both for 4, and each request's own marketDataType answer says which it got (quote-ticks.ts).
// With frozen data turned off (IB_FROZEN_DATA=false) the plain type is asked for instead, and a
// fetch outside trading hours fails FAILED_PRECONDITION naming the closed market (closed-market.ts).
import { MarketDataType } from "@stoqey/ib";
import type { Logger } from "../../../common/logger.js";
import type { IbConnection } from "./ib-connection.js";
import type { IbMarketDataType } from "./ibkr-market-options.js";
import { Priority, type MessagePacer } from "./message-pacer.js";

const PLAIN_TYPES: Readonly<Record<IbMarketDataType, MarketDataType>> = {
  1: MarketDataType.REALTIME,
  2: MarketDataType.REALTIME,
  3: MarketDataType.DELAYED,
  4: MarketDataType.DELAYED,
};

const REQUESTED_TYPES: Readonly<Record<IbMarketDataType, MarketDataType>> = {
  1: MarketDataType.FROZEN,
  2: MarketDataType.FROZEN,
  3: MarketDataType.DELAYED_FROZEN,
  4: MarketDataType.DELAYED_FROZEN,
};

export interface MarketDataTypeOptions {
  readonly configured: IbMarketDataType;
  /** On error 354 with live data configured, switch to delayed data instead of failing (default true). */
  readonly allowDelayedFallback: boolean;
  /** Ask for the frozen variant (the close's values outside trading hours); default true. */
  readonly frozenData: boolean;
  readonly connection: IbConnection;
  readonly pacer: MessagePacer;
  readonly logger: Logger;
}

export class MarketDataTypeSetting {
  private readonly options: MarketDataTypeOptions;
  private current: IbMarketDataType;
  private fallback: Promise<boolean> | undefined;

  constructor(options: MarketDataTypeOptions) {
    this.options = options;
    this.current = options.configured;
  }

  /** The type configured, or 3/4 after falling back to delayed data. */
  get type(): IbMarketDataType {
    return this.current;
  }

  /** What reqMarketDataType asks TWS for: 2 or 4 (1 or 3 with frozen data off). */
  get requested(): MarketDataType {
    return (this.options.frozenData ? REQUESTED_TYPES : PLAIN_TYPES)[this.current];
  }

  /** Whether the session asks for delayed data (configured, or after the fallback). */
  get delayed(): boolean {
    return this.current === 3 || this.current === 4;
  }

  /** Error 354 on live data: switch the session to delayed data once, if allowed; true once it has. */
  fallBackToDelayed(): Promise<boolean> {
    const { configured, allowDelayedFallback } = this.options;
    if (!allowDelayedFallback || configured === 3 || configured === 4) return Promise.resolve(false);
    this.fallback ??= (async () => {
      this.current = configured === 2 ? 4 : 3;
      this.options.logger.warn({ marketDataType: this.current }, "ibkr: no live market data subscription (354); falling back to delayed data");
      await this.send();
      return true;
    })();
    return this.fallback;
  }

  /** Sends the type (first in the queue); it applies to the requests that follow it. */
  async send(): Promise<void> {
    const { pacer, connection, logger } = this.options;
    const type = this.requested;
    try {
      await pacer.send(() => connection.send((api) => api.reqMarketDataType(type)), { priority: Priority.CONTROL });
    } catch (error) {
      logger.warn({ err: error }, "ibkr: could not send the market data type");
    }
  }
}
