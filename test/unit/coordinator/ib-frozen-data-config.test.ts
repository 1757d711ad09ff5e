import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../services/common/config.js";
import { coordinatorConfig, coordinatorVariables } from "../../../services/coordinator/config.js";

describe("IB_FROZEN_DATA", () => {
  it.each([
    [undefined, true],
    ["false", false],
    ["0", false],
    ["true", true],
  ])("%s → %s", (value, expected) => {
    const variables = value === undefined ? {} : { IB_FROZEN_DATA: value };
    expect(coordinatorConfig(loadConfig(coordinatorVariables, variables)).marketData.ibFrozenData).toBe(expected);
  });

  it("names the variable when it is neither true nor false", () => {
    expect(() => coordinatorConfig(loadConfig(coordinatorVariables, { IB_FROZEN_DATA: "sometimes" }))).toThrow(ConfigError);
    expect(() => coordinatorConfig(loadConfig(coordinatorVariables, { IB_FROZEN_DATA: "sometimes" }))).toThrow(/IB_FROZEN_DATA/);
  });
});
