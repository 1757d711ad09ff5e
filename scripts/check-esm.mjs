// Imports every compiled module of gen/ts under plain Node (no TypeScript loader), to prove
// the generated ESM imports resolve as Node resolves them, and round-trips a 64-bit integer
// above 2^53 through the generated encoder and decoder.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../dist/gen/ts/", import.meta.url).pathname;
const modules = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".js"));
if (modules.length === 0) throw new Error(`no compiled modules under ${root}: run make build`);
for (const file of modules) await import(pathToFileURL(join(root, file)).href);

const { OptionQuote } = await import(pathToFileURL(join(root, "spreadscan/market/v1/option_chain.js")).href);
const volume = 2n ** 60n + 1n;
const decoded = OptionQuote.decode(OptionQuote.encode(OptionQuote.fromPartial({ volume })).finish());
if (decoded.volume !== volume) throw new Error(`uint64 round trip gave ${decoded.volume}, not ${volume}`);
if (OptionQuote.toJSON(decoded).volume !== volume.toString()) throw new Error("uint64 is not a decimal string in JSON");
console.log(`gen/ts: ${modules.length} modules import under plain Node; uint64 ${volume} round-trips (${relative(process.cwd(), root)})`);
