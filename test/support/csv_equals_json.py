"""Checks that spreadscan's --csv output says what its --json output of the same answer says,
field for field, both ways.

Usage: csv_equals_json.py KIND CSV_FILE JSON_FILE, KIND one of scan, batch, universe.

Independent of spreadscan's own code: both files are read with Python's csv and json
modules, and a column's path of proto field names ("net_greeks.delta", "legs.2.strike",
items numbered from 1) is mapped to proto3 JSON's names by the proto3 JSON rule (lower
camel case). --json leaves out fields at their default; the CSV writes them, so a field
--json left out must be a default cell there: empty, 0, false or an enum's *_UNSPECIFIED.
"""

import csv
import json
import math
import sys


def json_name(proto_name):
    parts = proto_name.split("_")
    return parts[0] + "".join(part[:1].upper() + part[1:] for part in parts[1:])


def spread_lists(kind, text):
    if kind == "scan":
        return [json.loads(text)["result"].get("spreads", [])]
    if kind == "universe":
        return [json.loads(text).get("spreads", [])]
    if kind == "batch":
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        return [line["result"].get("spreads", []) for line in lines if "result" in line]
    raise SystemExit(f"unknown kind {kind}")


MISSING = object()


def value_at(spread, column):
    value = spread
    for step in column.split("."):
        if step.isdigit():
            index = int(step) - 1
            if not isinstance(value, list) or index >= len(value):
                return MISSING
            value = value[index]
        else:
            if not isinstance(value, dict) or json_name(step) not in value:
                return MISSING
            value = value[json_name(step)]
    return value


def same(cell, value):
    if isinstance(value, bool):
        return cell == ("true" if value else "false")
    if isinstance(value, (int, float)):
        number = float(cell)
        return number == float(value) or (math.isnan(number) and math.isnan(float(value)))
    if isinstance(value, str):
        return cell == value
    return False


def leaf_paths(value, path):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaf_paths(item, path + [key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaf_paths(item, path + [str(index + 1)])
    else:
        yield ".".join(path)


def main():
    kind, csv_path, json_path = sys.argv[1:4]
    with open(csv_path, newline="") as file:
        rows = list(csv.reader(file, strict=True))
    with open(json_path) as file:
        lists = spread_lists(kind, file.read())
    header, body = rows[0], rows[1:]
    if header[0] != "rank":
        raise SystemExit(f"the first column is {header[0]!r}, not rank")
    columns = header[1:]
    spreads = [(rank, spread) for spreads in lists for rank, spread in enumerate(spreads, start=1)]
    problems = []
    if len(body) != len(spreads):
        problems.append(f"{len(body)} rows for {len(spreads)} spreads")
    json_columns = {".".join(json_name(step) if not step.isdigit() else step for step in column.split(".")) for column in columns}
    compared = 0
    for row_number, (row, (rank, spread)) in enumerate(zip(body, spreads), start=2):
        if len(row) != len(header):
            problems.append(f"row {row_number}: {len(row)} cells for {len(header)} columns")
            continue
        if row[0] != str(rank):
            problems.append(f"row {row_number}: rank {row[0]}, expected {rank}")
        for column, cell in zip(columns, row[1:]):
            value = value_at(spread, column)
            compared += 1
            if value is MISSING:
                if cell not in ("", "0", "false") and not cell.endswith("_UNSPECIFIED"):
                    problems.append(f"row {row_number} {column}: {cell!r} where --json has nothing")
            elif not same(cell, value):
                problems.append(f"row {row_number} {column}: {cell!r} where --json has {value!r}")
        for path in leaf_paths(spread, []):
            if path not in json_columns:
                problems.append(f"row {row_number}: --json has {path}, the CSV has no column for it")
    if problems:
        print("\n".join(problems[:40]))
        raise SystemExit(1)
    print(f"{len(body)} rows, {compared} cells equal to --json")


main()
