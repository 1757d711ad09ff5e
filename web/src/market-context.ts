// The underlying's volatility context above the table: the very line the CLI prints above its
// own (services/cli/market-context-line.ts), so the page and the terminal never disagree.
import type { ScanResult } from "../../gen/es/spreadscan/scanner/v1/scan_result_pb.js";
import type { ScanResult as CliScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { formatMarketContextLine } from "../../services/cli/market-context-line.js";

/**
 * The CLI's function takes ts-proto's result; it reads only the symbol, the context (checked here
 * to have the same shape in both generators) and the spreads' expiry dates.
 */
function lineOf(result: ScanResult): string | undefined {
  const read: Pick<CliScanResult, "symbol" | "marketContext"> = { symbol: result.symbol, marketContext: result.marketContext };
  const spreads = result.spreads.map((spread) => ({ expiryDate: spread.expiryDate }));
  return formatMarketContextLine({ ...read, spreads } as unknown as CliScanResult);
}

export function showMarketContext(line: HTMLElement, result: ScanResult | undefined): void {
  line.textContent = (result && lineOf(result)) ?? "";
}
