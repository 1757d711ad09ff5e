// Markdown tables, for the pages and for what a benchmark prints as it finishes.
import { formatFigure, type Cell, type Column, type Table } from "./run-record.js";

function formatCell(value: Cell | undefined, column: Column): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return formatFigure(value, "", column.digits ?? 0);
  if (typeof value === "boolean") return value ? "yes" : "no";
  return value.replaceAll("|", "\\|");
}

export function markdownTable(headings: readonly string[], alignRight: readonly boolean[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${headings.join(" | ")} |`,
    `| ${alignRight.map((right) => (right ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
  ];
}

export function renderTable(table: Table): string[] {
  const numeric = table.columns.map((column) => table.rows.some((row) => typeof row[column.key] === "number"));
  return [
    `### ${table.title}`,
    "",
    ...markdownTable(
      table.columns.map((column) => column.label),
      numeric,
      table.rows.map((row) => table.columns.map((column) => formatCell(row[column.key], column))),
    ),
  ];
}
