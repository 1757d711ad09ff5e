// The selected spread: its legs, its figures, and its payoff at expiry drawn with uPlot, the
// breakevens and the underlying price marked. Two-expiry spreads have no payoff at one expiry
// from their legs alone (the back leg keeps time value): their figures and legs are shown, not a curve.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Spread } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { LegAction } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { OptionRight } from "../../gen/es/spreadscan/market/v1/option_chain_pb.js";
import { dollars, percent, price } from "../../services/cli/number-format.js";
import { required } from "./dom.js";
import { STRATEGY_LABELS } from "./enum-labels.js";
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
 * Shares per lot, from the spread's own figures: its max loss per lot over the payoff's worst
 * per share (the chain's multiplier is not in the result). A spread that cannot lose (none is
 * offered, but) falls back on the usual 100.
 */
function sharesPerLot(spread: Spread, prices: readonly number[]): number {
  const worst = -Math.min(...prices.map((at) => payoffPerShare(spread, at)));
  return worst > 0 && spread.maxLoss > 0 ? spread.maxLoss / worst : 100;
}

export function showSpread(panel: HTMLElement, spread: Spread | undefined, underlying: number): void {
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
  if (spread.backExpiryDate !== "") {
    marks.textContent = "";
    area.textContent = "The payoff of a calendar or diagonal at its front expiry depends on the back leg's time value; not drawn.";
    return;
  }
  area.textContent = "";
  const breakevens = payoffBreakevens(spread);
  marks.textContent = breakevens.map((value) => value.toFixed(4)).join(" ");
  const strikes = spread.legs.map((leg) => leg.strike);
  const low = Math.min(underlying, ...strikes, ...breakevens);
  const high = Math.max(underlying, ...strikes, ...breakevens);
  const margin = Math.max(1, (high - low) * 0.5);
  const xs = Array.from({ length: POINTS }, (_, index) => low - margin + ((high - low + 2 * margin) * index) / (POINTS - 1));
  const multiplier = sharesPerLot(spread, [...strikes, xs[0] ?? low, xs.at(-1) ?? high]);
  const ys = xs.map((x) => payoffPerShare(spread, x) * multiplier);
  chart = new uPlot(
    {
      width: Math.min(640, area.clientWidth || 640),
      height: 240,
      scales: { x: { time: false } },
      axes: [{ label: "underlying at expiry" }, { label: "P/L per lot" }],
      series: [{ label: "price" }, { label: "P/L", stroke: "#2e86de", width: 2 }],
      plugins: [verticalLines([...breakevens.map((value) => [value, "#c0392b"] as const), [underlying, "#27ae60"] as const])],
    },
    [xs, ys],
    area,
  );
}
