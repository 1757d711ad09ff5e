// One line of the underlying's volatility context above a scan table, e.g.
// "SPY 30d IV 18.2% · IV rank 41% (252 d, simulated) · IV pct 55% · move to 2026-12-18 ±$8.10 straddle / ±$8.45 1σ".
// A figure the scan could not know says "unknown" (never 0); --json has every expiration's.
import type { ExpiryContext, ScanResult } from "../../gen/ts/spreadscan/scanner/v1/scan_result.js";

const percent = (fraction: number | undefined): string => (fraction === undefined ? "unknown" : `${(fraction * 100).toFixed(1)}%`);
const wholePercent = (fraction: number | undefined): string => (fraction === undefined ? "unknown" : `${Math.round(fraction * 100)}%`);
const move = (dollars: number | undefined): string => (dollars === undefined ? "unknown" : `±$${dollars.toFixed(2)}`);

/** The line, or undefined for a result without a context (a scanner from before it). */
export function formatMarketContextLine(result: ScanResult): string | undefined {
  const context = result.marketContext;
  if (!context) return undefined;
  const history = context.ivHistorySource === "" ? "no history" : `${context.ivHistoryDays} d, ${context.ivHistorySource}`;
  const parts = [
    `${result.symbol} 30d IV ${percent(context.atmImpliedVolatility30d)}`,
    `IV rank ${wholePercent(context.ivRank)} (${history})`,
    `IV pct ${wholePercent(context.ivPercentile)}`,
  ];
  const expiry = moveExpiry(context.expiries, result.spreads[0]?.expiryDate);
  if (expiry) {
    parts.push(`move to ${expiry.expiryDate} ${move(expiry.straddleExpectedMove)} straddle / ${move(expiry.oneSigmaExpectedMove)} 1σ`);
  }
  return parts.join(" · ");
}

/** The expiration whose expected move the line shows: the top spread's, else the one nearest 30 days. */
function moveExpiry(expiries: readonly ExpiryContext[], topExpiryDate: string | undefined): ExpiryContext | undefined {
  const top = expiries.find((expiry) => expiry.expiryDate === topExpiryDate);
  if (top) return top;
  let nearest: ExpiryContext | undefined;
  for (const expiry of expiries) if (!nearest || Math.abs(expiry.dte - 30) < Math.abs(nearest.dte - 30)) nearest = expiry;
  return nearest;
}
