// --csv: the ranked spreads as CSV (RFC 4180), one row per spread, for a spreadsheet or a
// script. The columns come from the Spread message's own descriptor, so each one is a field
// of the proto3 JSON that --json prints, named by its path of proto field names
// ("net_greeks.delta", "legs.2.strike": repeated fields numbered from 1), the legs last, and a field added to
// the contract becomes a column without a change here. Values are written as proto3 JSON
// writes them (enum names, 64-bit integers as digits, "NaN"); a cell is empty only where
// the field is absent: a leg the spread does not have, or an optional field left unset
// (unknown).
import type { DescField, DescMessage, JsonValue } from "@bufbuild/protobuf";
import { Option, type Command } from "commander";
import { stringify } from "csv-stringify/sync";
import { Spread } from "../../gen/ts/spreadscan/scanner/v1/spread.js";
import { OUTPUT_GROUP } from "./coordinator-connection.js";
import { protoMessageSchema, toProtoJson } from "./proto-json.js";

const SPREAD_TYPE = "spreadscan.scanner.v1.Spread";

/** How many items of each repeated field get columns: the most a spread has. */
const REPEATED_COLUMNS: Readonly<Record<string, number>> = {
  "spreadscan.scanner.v1.Spread.legs": 4,
  "spreadscan.scanner.v1.Spread.breakevens": 2,
};

/** One CSV column: its name and where its value sits in a spread's proto3 JSON. */
interface Column {
  readonly name: string;
  readonly jsonPath: readonly (string | number)[];
}

function columnsOf(message: DescMessage, namePrefix: string, jsonPrefix: readonly (string | number)[]): Column[] {
  return message.fields.flatMap((field) => fieldColumns(field, namePrefix, jsonPrefix));
}

function fieldColumns(field: DescField, namePrefix: string, jsonPrefix: readonly (string | number)[]): Column[] {
  const name = `${namePrefix}${field.name}`;
  const jsonPath = [...jsonPrefix, field.jsonName];
  switch (field.fieldKind) {
    case "scalar":
    case "enum":
      return [{ name, jsonPath }];
    case "message":
      return columnsOf(field.message, `${name}.`, jsonPath);
    case "list": {
      const count = REPEATED_COLUMNS[`${field.parent.typeName}.${field.name}`];
      if (count === undefined) throw new Error(`${field.parent.typeName}.${field.name} is repeated: say in REPEATED_COLUMNS how many columns it gets`);
      return Array.from({ length: count }, (_, index) =>
        field.listKind === "message"
          ? columnsOf(field.message, `${name}.${index + 1}.`, [...jsonPath, index])
          : [{ name: `${name}.${index + 1}`, jsonPath: [...jsonPath, index] }],
      ).flat();
    }
    case "map":
      throw new Error(`${field.parent.typeName}.${field.name} is a map: the CSV has no columns for maps`);
  }
}

let spreadColumns: Column[] | undefined;

/** The columns after `rank`: the Spread message's fields in field order, except its legs, which come last (they are most of the columns). */
export function spreadCsvColumns(): readonly Column[] {
  if (!spreadColumns) {
    const columns = columnsOf(protoMessageSchema(SPREAD_TYPE), "", []);
    const isLeg = (column: Column): boolean => column.name.startsWith("legs.");
    spreadColumns = [...columns.filter((column) => !isLeg(column)), ...columns.filter(isLeg)];
  }
  return spreadColumns;
}

function valueAt(json: JsonValue, path: readonly (string | number)[]): JsonValue | undefined {
  let value: JsonValue | undefined = json;
  for (const step of path) {
    if (value === null || value === undefined || typeof value !== "object") return undefined;
    value = typeof step === "number" ? (Array.isArray(value) ? value[step] : undefined) : Array.isArray(value) ? undefined : value[step];
  }
  return value;
}

function cell(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** The header row: `rank`, then every column of a spread. */
export function spreadCsvHeader(): string {
  return stringify([["rank", ...spreadCsvColumns().map((column) => column.name)]], { record_delimiter: "\r\n" });
}

/** One row per spread, ranked from `firstRank` in the order given. */
export function spreadCsvRows(spreads: readonly Spread[], firstRank = 1): string {
  const columns = spreadCsvColumns();
  const rows = spreads.map((spread, index) => {
    const json = toProtoJson(Spread, SPREAD_TYPE, spread, { alwaysEmitImplicit: true });
    return [String(firstRank + index), ...columns.map((column) => cell(valueAt(json, column.jsonPath)))];
  });
  return rows.length === 0 ? "" : stringify(rows, { record_delimiter: "\r\n" });
}

/** --csv, beside --json in the output flags. */
export function addCsvFlag(command: Command): Command {
  return command.addOption(
    new Option("--csv", "print the spreads as CSV instead of a table: a header row, then one row per spread (docs/csv-export.md)")
      .conflicts("json")
      .helpGroup(OUTPUT_GROUP),
  );
}
