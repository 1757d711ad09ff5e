import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { scannerConfig, scannerVariables } from "./config.js";
import { assembleScanner } from "./scanner-assembly.js";

const config = loadConfigOrExit("scanner", scannerVariables, scannerConfig);
const { runtime } = assembleScanner(config, createServiceBase("scanner", config));
runtime.stopOnSignals();
await runtime.start();
