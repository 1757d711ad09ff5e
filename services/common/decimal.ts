/**
 * A number written in decimal notation ("30", "-2.5", ".5", "1e3"), or undefined when the
 * text is anything else or not finite. Number("") and Number(" ") are 0 and Number("0x10")
 * is 16: configuration and flags accept decimal notation only.
 */
export function parseDecimal(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
