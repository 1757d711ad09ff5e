/** One bad field of an engine input; `field` is a dot path in the proto's snake_case names. */
export interface InputViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * An input the engine cannot work with (an invalid query, a chain without a usable
 * underlying price). The gRPC layer answers it INVALID_ARGUMENT with one BadRequest field
 * violation per entry; the CLI prints each and exits 2.
 */
export class EngineInputError extends Error {
  override readonly name = "EngineInputError";

  constructor(readonly violations: readonly InputViolation[]) {
    super(violations.map((violation) => `${violation.field}: ${violation.description}`).join("; "));
  }

  /** The same violations with their field paths under `prefix` (e.g. "query."). */
  under(prefix: string): EngineInputError {
    return new EngineInputError(this.violations.map((violation) => ({ ...violation, field: `${prefix}${violation.field}` })));
  }
}
