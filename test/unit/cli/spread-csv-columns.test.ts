// The column table of docs/csv-export.md against the header `--csv` prints: a column the
// contract gains must be documented, and the document must not name a column that is gone.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { spreadCsvHeader } from "../../../services/cli/spread-csv.js";
import { REPO_ROOT } from "../../support/tools.js";

/** Every column a row of the doc's table names: `a`, `a.b`, then `.c` for a sibling `a.c`, legs.N for N 1..4. */
function documentedColumns(): string[] {
  const doc = readFileSync(`${REPO_ROOT}docs/csv-export.md`, "utf8");
  const table = doc.slice(doc.indexOf("## The columns"));
  const columns: string[] = [];
  for (const line of table.split("\n")) {
    const first = /^\| (.+?) \|/.exec(line)?.[1];
    if (first === undefined || first === "column" || first.startsWith("---")) continue;
    let parent = "";
    for (const [, name = ""] of first.matchAll(/`([^`]+)`/g)) {
      if (name.startsWith(".")) {
        columns.push(`${parent}${name}`);
      } else {
        parent = name.slice(0, name.lastIndexOf("."));
        columns.push(name);
      }
    }
  }
  const legs = columns.filter((column) => column.startsWith("legs.N."));
  return [
    ...columns.filter((column) => !column.startsWith("legs.N.")),
    ...[1, 2, 3, 4].flatMap((n) => legs.map((column) => column.replace("legs.N.", `legs.${n}.`))),
  ];
}

describe("docs/csv-export.md", () => {
  it("documents exactly the columns --csv prints, in their order", () => {
    const header = spreadCsvHeader().trimEnd().split(",");
    expect(header.length).toBeGreaterThan(100);
    expect(documentedColumns()).toEqual(header);
  });
});
