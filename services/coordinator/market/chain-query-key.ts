// Which contracts a chain for a query needs follows from its filters, its strategies and its
// probability model (the strikes either side of the forward, where the default model reads σ);
// its sort, limit and pricing only rank what that chain gives. Queries with one key need the
// same chain, so a live feed plans and streams for them once.
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";

/** Equal for two queries whose chains need the same contracts. */
export function chainQueryKey(query: ScanQuery | undefined): string {
  const needs = ScanQuery.fromPartial({ filters: query?.filters, strategies: query?.strategies, probabilityModel: query?.probabilityModel });
  return Buffer.from(ScanQuery.encode(needs).finish()).toString("base64");
}
