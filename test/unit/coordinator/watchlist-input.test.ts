// What WatchlistService takes from the wire: names, symbol lists, page tokens.
import { describe, expect, it } from "vitest";
import { RpcError } from "../../../services/common/errors.js";
import { nameAfterToken, pageTokenAfter, watchlistNameOf, watchlistSymbolsOf } from "../../../services/coordinator/watchlists/watchlist-input.js";

function violationsOf(check: () => unknown): { field: string }[] {
  try {
    check();
  } catch (error) {
    if (error instanceof RpcError) return (error.details.fieldViolations ?? []).map(({ field }) => ({ field }));
    throw error;
  }
  return [];
}

describe("watchlist input", () => {
  it("takes names of 1 to 64 letters, digits, '.', '_' and '-', as given", () => {
    expect(watchlistNameOf("Tech_2026.v-1", "name")).toBe("Tech_2026.v-1");
    expect(watchlistNameOf("x".repeat(64), "name")).toHaveLength(64);
    for (const bad of ["", "x".repeat(65), "has space", "slash/", "ünïcode", " tech"]) {
      expect(violationsOf(() => watchlistNameOf(bad, "watchlist.name"))).toEqual([{ field: "watchlist.name" }]);
    }
  });

  it("upper-cases symbols, keeps each once in its first place, and names each bad one", () => {
    expect(watchlistSymbolsOf(["spy", "QQQ", " Spy ", "brk.b", "qqq"], "s")).toEqual(["SPY", "QQQ", "BRK.B"]);
    expect(violationsOf(() => watchlistSymbolsOf(["SPY", "1X", "OK", ""], "s"))).toEqual([{ field: "s[1]" }, { field: "s[3]" }]);
    expect(violationsOf(() => watchlistSymbolsOf([], "s"))).toEqual([{ field: "s" }]);
    expect(
      watchlistSymbolsOf(
        Array.from({ length: 500 }, () => "SPY"),
        "s",
      ),
    ).toEqual(["SPY"]);
    expect(
      violationsOf(() =>
        watchlistSymbolsOf(
          Array.from({ length: 501 }, () => "SPY"),
          "s",
        ),
      ),
    ).toEqual([{ field: "s" }]);
  });

  it("gives page tokens that resume after a name, and refuses any other", () => {
    expect(nameAfterToken("")).toBe("");
    for (const name of ["a", "Z", "x".repeat(64), "-._"]) expect(nameAfterToken(pageTokenAfter(name))).toBe(name);
    const forged = `w1.${Buffer.from("bad name", "utf8").toString("base64url")}`;
    for (const bad of ["tech", "w1.", "w2.YQ", "w1.YQ=", "w1.%%", forged, `${pageTokenAfter("a")}x`]) {
      expect(violationsOf(() => nameAfterToken(bad))).toEqual([{ field: "page_token" }]);
    }
  });
});
