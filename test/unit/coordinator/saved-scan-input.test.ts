// What SavedScanService takes from the wire, at the bounds the contract names: check interval
// 10 s to 1 day, retention 1 hour to 90 days, webhook URLs http(s) of at most 2048 characters
// without credentials, secrets of 16 to 256 characters (required on create, kept on update).
import { describe, expect, it } from "vitest";
import { Duration } from "../../../gen/ts/google/protobuf/duration.js";
import { SavedScan, type AlertSettings } from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { RpcError } from "../../../services/common/errors.js";
import { validSavedScan, type SecretRule } from "../../../services/coordinator/saved-scans/saved-scan-input.js";

const ms = (milliseconds: number): Duration =>
  Duration.fromPartial({ seconds: BigInt(Math.floor(milliseconds / 1000)), nanos: (milliseconds % 1000) * 1_000_000 });
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;

function fieldsOf(alerts: Partial<AlertSettings>, rule: SecretRule = "required"): string[] {
  try {
    validSavedScan(SavedScan.fromPartial({ name: "s", symbols: ["SPY"], alerts }), rule);
    return [];
  } catch (error) {
    if (error instanceof RpcError) return (error.details.fieldViolations ?? []).map(({ field }) => field);
    throw error;
  }
}
const hook = (url: string, secret = "s".repeat(16)) => ({ webhook: { url, secret, secretSet: false } });

describe("saved scan input", () => {
  it("takes check intervals of 10 s to 1 day and retention of 1 hour to 90 days, bounds included", () => {
    for (const interval of [10 * SECOND, DAY]) expect(fieldsOf({ checkInterval: ms(interval) })).toEqual([]);
    for (const interval of [10 * SECOND - 1, DAY + 1, 0]) expect(fieldsOf({ checkInterval: ms(interval) })).toEqual(["saved_scan.alerts.check_interval"]);
    for (const retention of [HOUR, 90 * DAY]) expect(fieldsOf({ retention: ms(retention) })).toEqual([]);
    for (const retention of [HOUR - 1, 90 * DAY + 1]) expect(fieldsOf({ retention: ms(retention) })).toEqual(["saved_scan.alerts.retention"]);
    expect(validSavedScan(SavedScan.fromPartial({ name: "s", symbols: ["SPY"], alerts: {} }), "required").content.alerts).toEqual({
      checkIntervalMs: 60 * SECOND,
      retentionMs: 7 * DAY,
      webhook: undefined,
    });
  });

  it("takes http and https webhook URLs up to 2048 characters, without a user name or password", () => {
    const longest = `https://hooks.example.com/${"a".repeat(2048 - "https://hooks.example.com/".length)}`;
    for (const url of ["http://127.0.0.1:8080/hook", "HTTPS://hooks.example.com/a?b=c", longest]) expect(fieldsOf(hook(url))).toEqual([]);
    for (const url of [
      `${longest}a`,
      "ftp://hooks.example.com/",
      "http://user@hooks.example.com/",
      "https://:pw@hooks.example.com/",
      "hooks.example.com/a",
      "",
      "javascript:alert(1)",
    ]) {
      expect(fieldsOf(hook(url))).toEqual(["saved_scan.alerts.webhook.url"]);
    }
  });

  it("wants a secret of 16 to 256 characters when a webhook is created, and lets an update leave it empty", () => {
    for (const secret of ["s".repeat(16), "s".repeat(256)]) expect(fieldsOf(hook("https://h.example/", secret))).toEqual([]);
    for (const secret of ["s".repeat(15), "s".repeat(257), ""])
      expect(fieldsOf(hook("https://h.example/", secret))).toEqual(["saved_scan.alerts.webhook.secret"]);
    expect(fieldsOf(hook("https://h.example/", ""), "keep-stored")).toEqual([]);
    expect(fieldsOf(hook("https://h.example/", "short"), "keep-stored")).toEqual(["saved_scan.alerts.webhook.secret"]);
  });
});
