import { loadConfigOrExit } from "../common/config.js";
import { createLogger } from "../common/logger.js";
import { assembleGateway } from "./gateway-assembly.js";
import { gatewayConfig, gatewayVariables } from "./gateway-config.js";

const config = loadConfigOrExit("gateway", gatewayVariables, gatewayConfig);
const logger = createLogger({ service: "gateway", level: config.logLevel, format: config.logFormat });
const gateway = assembleGateway(config, logger);
await gateway.listen();

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "stopping");
    void gateway.close().then(() => {
      logger.info("stopped");
      process.exit(0);
    });
  });
}
