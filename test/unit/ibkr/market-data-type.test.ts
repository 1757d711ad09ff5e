import { describe, expect, it } from "vitest";
import { createLogger } from "../../../services/common/logger.js";
import { IbConnection } from "../../../services/coordinator/market/ibkr/ib-connection.js";
import type { IbMarketDataType } from "../../../services/coordinator/market/ibkr/ibkr-market-options.js";
import { MarketDataTypeSetting } from "../../../services/coordinator/market/ibkr/market-data-type.js";
import { MessagePacer } from "../../../services/coordinator/market/ibkr/message-pacer.js";

const logger = createLogger({ service: "market-data-type-test", level: "silent", format: "json" });

/** A setting over a connection that was never started: what it would send goes nowhere. */
function setting(configured: IbMarketDataType, options: { allowDelayedFallback?: boolean; frozenData?: boolean } = {}) {
  const connection = new IbConnection({ host: "127.0.0.1", port: 1, clientId: 0, maxMessagesPerSecond: 50, logger, listener: {} });
  const pacer = new MessagePacer({ maxMessagesPerSecond: 50 });
  return new MarketDataTypeSetting({
    configured,
    allowDelayedFallback: options.allowDelayedFallback ?? true,
    frozenData: options.frozenData ?? true,
    connection,
    pacer,
    logger,
  });
}

describe("MarketDataTypeSetting", () => {
  it.each([
    [1, 2],
    [2, 2],
    [3, 4],
    [4, 4],
  ] as const)("IB_MARKET_DATA_TYPE=%i asks TWS for %i (frozen outside trading hours)", (configured, requested) => {
    expect(setting(configured).requested).toBe(requested);
  });

  it.each([
    [1, 1],
    [2, 1],
    [3, 3],
    [4, 3],
  ] as const)("with frozen data off, %i asks for %i", (configured, requested) => {
    expect(setting(configured, { frozenData: false }).requested).toBe(requested);
  });

  it("falls back from live to delayed once: type 3, asking for delayed-frozen (4)", async () => {
    const live = setting(1);
    expect(live.delayed).toBe(false);
    await expect(live.fallBackToDelayed()).resolves.toBe(true);
    expect(live.type).toBe(3);
    expect(live.delayed).toBe(true);
    expect(live.requested).toBe(4);
    await expect(live.fallBackToDelayed()).resolves.toBe(true);
    expect(live.type).toBe(3);
  });

  it("does not fall back when delayed data is configured already, or the fallback is not allowed", async () => {
    await expect(setting(3).fallBackToDelayed()).resolves.toBe(false);
    const strict = setting(1, { allowDelayedFallback: false });
    await expect(strict.fallBackToDelayed()).resolves.toBe(false);
    expect(strict.type).toBe(1);
  });
});
