import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { startTracing } from "../common/tracing/start-tracing.js";
import { coordinatorConfig, coordinatorVariables } from "./config.js";
import { assembleCoordinator } from "./coordinator-assembly.js";
import { IbkrMarket } from "./market/ibkr/ibkr-market.js";
import type { MarketDataProvider } from "./market/market-data-provider.js";
import { SimulatedMarket } from "./market/simulated-market.js";
import { DatabaseOpenError } from "./storage/open-database.js";

const config = loadConfigOrExit("coordinator", coordinatorVariables, coordinatorConfig);
// Before anything logs or makes a channel: both look once at whether tracing is on.
const tracing = await startTracing("coordinator");
const base = createServiceBase("coordinator", config, { tracing });
const { logger } = base;

const market: MarketDataProvider =
  config.marketData.source === "ibkr"
    ? new IbkrMarket({
        host: config.marketData.ibHost,
        port: config.marketData.ibPort,
        clientId: config.marketData.ibClientId,
        marketDataType: config.marketData.ibMarketDataType,
        maxLines: config.marketData.ibMaxLines,
        maxMessagesPerSecond: config.marketData.ibMaxMessagesPerSecond,
        lookupTimeoutMs: config.marketData.ibLookupTimeoutMs,
        quoteWaitMs: config.marketData.ibQuoteWaitMs,
        frozenData: config.marketData.ibFrozenData,
        logger,
      })
    : new SimulatedMarket({ seed: config.marketData.simulatedSeed, tickIntervalMs: config.marketData.simulatedTickMs });

const assembled = await assembleCoordinator(config, base, market).catch(async (error: unknown) => {
  if (!(error instanceof DatabaseOpenError)) throw error;
  // A database that cannot be reached is a fact for the operator, not a crash trace.
  logger.fatal({ database: config.database.databaseUrl ? "postgresql" : "sqlite" }, error.message);
  process.stderr.write(`coordinator: ${error.message}\n`);
  await market.close();
  await tracing?.shutdown();
  process.exit(1);
});
const { runtime } = assembled;
runtime.stopOnSignals();
await runtime.start();
logger.info({ marketData: market.name, scanner: config.scanner.address }, "coordinator ready");
