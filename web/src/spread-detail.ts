// The selected spread: its legs, its figures, and its payoff drawn with uPlot, the breakevens and
// the underlying price marked: at expiry for a single-expiry spread, from its legs alone; at the
// front expiry for a calendar or diagonal, whose back leg keeps time value (front-expiry-payoff.ts).
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Spread } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { LegAction } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { OptionRight } from "../../gen/es/spreadscan/market/v1/option_chain_pb.js";
import { dollars, percent, price } from "../../services/cli/number-format.js";
import { required } from "./dom.js";
import { STRATEGY_LABELS } from "./enum-labels.js";
import { frontExpiryCurve, zeroCrossings, type ChainFigures } from "./front-expiry-payoff.js";
import { payoffBreakevens, payoffPerShare } from "./payoff.js";

const POINTS = 241;
let chart: uPlot | undefined;

/** Vertical lines at `marks` (price, colour), drawn over the series. */
function verticalLines(marks: readonly (readonly [number, string])[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (plot) => {
        const { ctx } = plot;
        const { top, height } = plot.bbox;
        ctx.save();
        for (const [at, colour] of marks) {
          const x = plot.valToPos(at, "x", true);
          ctx.strokeStyle = colour;
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

/**
 * Shares per lot, from the spread's own figures: its max loss per lot over the curve's worst
 * per share (the chain's multiplier is not in the result). A spread that cannot lose (none is
 * offered, but) falls back on the usual 100.
 */
function sharesPerLot(spread: Spread, profit: (price: number) => number, prices: readonly number[]): number {
  const worst = -Math.min(...prices.map(profit));
  return worst > 0 && spread.maxLoss > 0 ? spread.maxLoss / worst : 100;
}

/** The curve to draw, where, and its breakevens: at expiry from the legs, or at the front expiry for two expiries. */
function curveOf(spread: Spread, chain: ChainFigures): { profit: (price: number) => number; xs: number[]; breakevens: number[]; horizon: string } | undefined {
  const spaced = (low: number, high: number): number[] => Array.from({ length: POINTS }, (_, index) => low + ((high - low) * index) / (POINTS - 1));
  if (spread.backExpiryDate !== "") {
    const curve = frontExpiryCurve(spread, chain);
    if (!curve) return undefined;
    const xs = spaced(curve.low, curve.high);
    return { profit: curve.profit, xs, breakevens: zeroCrossings(curve.profit, xs), horizon: `front expiry ${spread.expiryDate}` };
  }
  const profit = (at: number): number => payoffPerShare(spread, at);
  const breakevens = payoffBreakevens(spread);
  const strikes = spread.legs.map((leg) => leg.strike);
  const low = Math.min(chain.underlying, ...strikes, ...breakevens);
  const high = Math.max(chain.underlying, ...strikes, ...breakevens);
  const margin = Math.max(1, (high - low) * 0.5);
  return { profit, xs: spaced(low - margin, high + margin), breakevens, horizon: `expiry ${spread.expiryDate}` };
}

export function showSpread(panel: HTMLElement, spread: Spread | undefined, chain: ChainFigures): void {
  chart?.destroy();
  chart = undefined;
  panel.hidden = spread === undefined;
  if (!spread) return;
  required(panel, "#detail-title").textContent =
    `${STRATEGY_LABELS.get(spread.strategy) ?? ""} ${spread.expiryDate}${spread.backExpiryDate === "" ? "" : ` / ${spread.backExpiryDate}`} ${spread.legs.map((leg) => leg.strike).join("/")}`;
  required(panel, "#detail-legs").replaceChildren(
    ...spread.legs.map((leg) => {
      const item = document.createElement("li");
      item.textContent = `${leg.action === LegAction.BUY ? "buy" : "sell"} ${leg.quantity} ${leg.expiryDate} ${leg.strike} ${leg.right === OptionRight.CALL ? "call" : "put"} at ${price(leg.fillPrice)} (bid ${price(leg.bid)}, ask ${price(leg.ask)}, IV ${percent(leg.impliedVolatility)})`;
      return item;
    }),
  );
  required(panel, "#detail-figures").textContent =
    `credit ${price(spread.netCredit)} · max profit ${dollars(spread.maxProfit)} · max loss ${dollars(spread.maxLoss)} · POP ${percent(spread.pop)} · EV ${dollars(spread.expectedValue)} · breakevens ${spread.breakevens.map(price).join(" / ")}`;
  const marks = required(panel, "#payoff-breakevens");
  const area = required<HTMLElement>(panel, "#payoff-chart");
  const horizon = required(panel, "#payoff-horizon");
  const curve = curveOf(spread, chain);
  if (!curve) {
    marks.textContent = "";
    horizon.textContent = "";
    area.textContent = "The chain's time is unknown: the payoff at the front expiry cannot be drawn.";
    return;
  }
  area.textContent = "";
  const { profit, xs, breakevens } = curve;
  horizon.textContent = curve.horizon;
  area.setAttribute("aria-label", `profit or loss at the ${curve.horizon} against the underlying price`);
  marks.textContent = breakevens.map((value) => value.toFixed(4)).join(" ");
  const multiplier = sharesPerLot(spread, profit, [...spread.legs.map((leg) => leg.strike), xs[0] ?? 0, xs.at(-1) ?? 0]);
  const ys = xs.map((x) => profit(x) * multiplier);
  chart = new uPlot(
    {
      width: Math.min(640, area.clientWidth || 640),
      height: 240,
      scales: { x: { time: false } },
      axes: [{ label: `underlying at ${curve.horizon}` }, { label: "P/L per lot" }],
      series: [{ label: "price" }, { label: "P/L", stroke: "#2e86de", width: 2 }],
      plugins: [verticalLines([...breakevens.map((value) => [value, "#c0392b"] as const), [chain.underlying, "#27ae60"] as const])],
    },
    [xs, ys],
    area,
  );
}
