import { loadConfigOrExit } from "../common/config.js";
import { createLogger } from "../common/logger.js";
import { startTracing } from "../common/tracing/start-tracing.js";
import { assembleGateway } from "./gateway-assembly.js";
import { gatewayConfig, gatewayVariables } from "./gateway-config.js";

const config = loadConfigOrExit("gateway", gatewayVariables, gatewayConfig);
// Before the logger and the transport: both look once at whether tracing is on.
const tracing = await startTracing("gateway");
const logger = createLogger({ service: "gateway", level: config.logLevel, format: config.logFormat });
const gateway = assembleGateway(config, logger);
await gateway.listen();

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    void gateway
      .close()
      .then(() => tracing?.shutdown())
      .catch((error: unknown) => logger.warn({ err: error }, "the last spans could not be exported"))
      .then(() => {
        logger.info("stopped");
        process.exit(0);
      });
  });
}
