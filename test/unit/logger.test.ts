import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../services/common/logger.js";

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: "test",
    level: "info",
    format: "json",
    destination: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { logger, lines };
}

describe("a service's logger", () => {
  afterEach(() => vi.useRealTimers());

  it("stamps each line with the ISO time of the millisecond it was logged in", () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-01T09:30:15.250Z") });
    const { logger, lines } = capturingLogger();
    logger.info("first");
    logger.info("second, same millisecond");
    vi.setSystemTime(new Date("2026-12-01T09:30:15.251Z"));
    logger.info("third, a millisecond later");
    vi.setSystemTime(new Date("2026-12-01T09:31:00.000Z"));
    logger.info("fourth");
    expect(lines.map((line) => line.time)).toEqual([
      "2026-12-01T09:30:15.250Z",
      "2026-12-01T09:30:15.250Z",
      "2026-12-01T09:30:15.251Z",
      "2026-12-01T09:31:00.000Z",
    ]);
  });

  it("never writes a credential, whichever way a caller sent it", () => {
    const { logger, lines } = capturingLogger();
    logger.info(
      { authorization: "Bearer sk-top-level", metadata: { authorization: "Bearer sk-nested", "x-api-key": "key-nested" }, "x-api-key": "key-top-level" },
      "a call's headers",
    );
    const written = JSON.stringify(lines);
    for (const secret of ["sk-top-level", "sk-nested", "key-nested", "key-top-level"]) expect(written).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      authorization: "[redacted]",
      metadata: { authorization: "[redacted]", "x-api-key": "[redacted]" },
      "x-api-key": "[redacted]",
    });
  });
});
