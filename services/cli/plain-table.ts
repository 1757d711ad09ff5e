// Every table of the CLI (spreads, jobs, metrics), drawn by cli-table3 in one style: no
// borders, no colours, columns two spaces apart, a rule under the header, so people and
// scripts read them alike.
import Table from "cli-table3";

/** cli-table3's characters for a borderless table with a rule under the header. */
export const PLAIN_CHARS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "─",
  "mid-mid": "──",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/** No colours: the output is read by people and by scripts alike. */
export const PLAIN_STYLE = { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 0 };

export interface PlainColumn {
  readonly header: string;
  readonly align?: "left" | "right";
}

// cli-table3 pads the last column too; trailing blanks only get in the way of grep and diff.
const trimLines = (text: string): string =>
  text
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n");

/** A table with a header row; ends without a newline. */
export function plainTable(columns: readonly PlainColumn[], rows: readonly (readonly string[])[]): string {
  const table = new Table({
    head: columns.map((column) => column.header),
    colAligns: columns.map((column) => column.align ?? "left"),
    chars: PLAIN_CHARS,
    style: PLAIN_STYLE,
  });
  for (const row of rows) table.push([...row]);
  return trimLines(table.toString());
}

/** Name and value pairs, one per line, values aligned; ends without a newline. */
export function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  // Without a header there is no rule: every separator but the column gap is blank.
  const table = new Table({ chars: { ...PLAIN_CHARS, mid: "", "mid-mid": "" }, style: PLAIN_STYLE });
  for (const [name, value] of rows) table.push([name, value]);
  return trimLines(table.toString());
}
