import { loadConfigOrExit } from "../common/config.js";
import { createServiceBase } from "../common/service-base.js";
import { scannerConfig, scannerVariables } from "./config.js";
import { assembleScanner } from "./scanner-assembly.js";

const config = loadConfigOrExit("scanner", scannerVariables, scannerConfig);
const { runtime, warmUp } = assembleScanner(config, createServiceBase("scanner", config));
runtime.stopOnSignals();
// Before it listens: readiness is what a first caller waits for, and it should find warm threads.
await warmUp();
await runtime.start();
