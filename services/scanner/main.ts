import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { ServiceRuntime } from "../common/service-runtime.js";
import { scannerConfig, scannerVariables } from "./config.js";

const config = scannerConfig(loadConfigOrExit("scanner", scannerVariables));
const base = createServiceBase("scanner", config);

const runtime = new ServiceRuntime({ ...base, listen: config, shutdownGraceMs: config.shutdownGraceMs });
runtime.stopOnSignals();
await runtime.start();
