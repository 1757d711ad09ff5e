// `spreadscan alerts NAME [--since SEQ]`: a saved scan's alert events as WatchAlerts streams
// them, one line each (or one JSON line): the kept ones after SEQ first, then each new one,
// until Ctrl-C or --count. Resuming with --since the last sequence printed misses nothing.
import { InvalidArgumentError, Option, type Command } from "commander";
import { AlertKind, WatchAlertsRequest, WatchAlertsResponse, type AlertEvent } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { addConnectionFlags, readStream, withCoordinator, type ConnectionOptions } from "../coordinator-connection.js";
import { wholeNumberFrom } from "../number-flags.js";
import { protoJsonLine } from "../proto-json.js";
import { formatInstant } from "../time-format.js";

interface AlertsOptions extends ConnectionOptions {
  readonly since?: bigint;
  readonly count?: number;
}

const UINT64_MAX = (1n << 64n) - 1n;

function sequenceFrom(text: string): bigint {
  const trimmed = text.trim();
  const value = /^\+?\d{1,20}$/.test(trimmed) ? BigInt(trimmed) : -1n;
  if (value < 0n || value > UINT64_MAX) throw new InvalidArgumentError("expected a sequence, 0 or more, like 42.");
  return value;
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

/** "12  2026-12-07T10:00:05Z  entered  SPY:2026-12-18:BULL_PUT:575/580  credit 1.25  max loss 375.00  return 33.3%  pop 71.0%". */
export function formatAlertEvent(event: AlertEvent): string {
  const kind = event.kind === AlertKind.ALERT_KIND_ENTERED ? "entered" : event.kind === AlertKind.ALERT_KIND_LEFT ? "left" : "unknown";
  const spread = event.spread;
  const figures = spread
    ? [
        spread.netCredit >= 0 ? `credit ${spread.netCredit.toFixed(2)}` : `debit ${(-spread.netCredit).toFixed(2)}`,
        `max loss ${spread.maxLoss.toFixed(2)}`,
        `return ${percent(spread.returnOnRisk)}`,
        `pop ${percent(spread.pop)}`,
      ]
    : [];
  return `${[String(event.sequence), formatInstant(event.eventTime), kind.padEnd(7), spread?.id ?? "—", ...figures].join("  ")}\n`;
}

async function watchAlerts(name: string, options: AlertsOptions, flagValues: Readonly<Record<string, unknown>>): Promise<void> {
  await withCoordinator(options, flagValues, async (connection) => {
    const call = connection.savedScans.watchAlerts(WatchAlertsRequest.fromPartial({ savedScan: name, afterSequence: options.since ?? 0n }));
    let received = 0;
    const reading = readStream(call, (response: WatchAlertsResponse) => {
      received += 1;
      if (options.json) process.stdout.write(protoJsonLine(WatchAlertsResponse, "spreadscan.coordinator.v1.WatchAlertsResponse", response));
      else if (response.event) process.stdout.write(formatAlertEvent(response.event));
      if (options.count !== undefined && received >= options.count) reading.stop();
    });
    const stop = (): void => reading.stop();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    try {
      await reading.done;
    } finally {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    }
  });
}

export function registerAlerts(program: Command): Command {
  const command = program
    .command("alerts")
    .argument("<name>", "the saved scan whose alerts to stream")
    .description("stream a saved scan's alert events: sequence, time, entered/left, the spread's id and key figures")
    .addOption(
      new Option("--since <sequence>", "only events after this sequence (the last one you read); default every kept event")
        .argParser(sequenceFrom)
        .helpGroup("Stream:"),
    )
    .addOption(new Option("--count <events>", "stop after this many events").argParser(wholeNumberFrom(1, "10")).helpGroup("Stream:"));
  addConnectionFlags(command, {
    json: "print each WatchAlertsResponse as proto3 JSON, one per line",
    timeout: "has no effect here: the stream runs until stopped",
  });
  return command.action(async (name: string, options: AlertsOptions, self: Command) => {
    await watchAlerts(name, options, self.opts<Record<string, unknown>>());
  });
}
