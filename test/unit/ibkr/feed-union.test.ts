// How a live feed shared by several queries shares its lines: the union of the queries'
// contracts, and when that is more than the lines allow, each query in turn takes its nearest
// contract not yet taken, so that none starves another.
import { describe, expect, it } from "vitest";
import type { SelectedContract } from "../../../services/coordinator/market/ibkr/chain-selection.js";
import { unionContracts } from "../../../services/coordinator/market/ibkr/feed-contracts.js";

const put = (strike: number): { option: SelectedContract } => ({ option: { expiryDate: "2027-01-15", strike, right: "P" } });
const call = (strike: number): { option: SelectedContract } => ({ option: { expiryDate: "2027-01-15", strike, right: "C" } });
const names = (chosen: readonly { option: SelectedContract }[]): string[] => chosen.map(({ option }) => `${option.strike}${option.right}`);

/** Each list nearest the money first, as feedContracts orders them. */
const PUTS = [put(600), put(599), put(598), put(597), put(596), put(595)];
const CALLS = [call(601), call(602), call(603), call(604), call(605), call(606)];

describe("unionContracts", () => {
  it("keeps every contract of every query when they fit, each once", () => {
    const atTheMoney = [put(600), call(600)];
    const chosen = unionContracts(
      [
        [...atTheMoney, ...PUTS.slice(1, 3)],
        [...atTheMoney, ...CALLS.slice(0, 2)],
      ],
      100,
    );
    expect(names(chosen).sort()).toEqual(["598P", "599P", "600C", "600P", "601C", "602C"]);
  });

  it("past the limit, gives the queries turns: each keeps its nearest half of the lines", () => {
    expect(names(unionContracts([PUTS, CALLS], 6))).toEqual(["600P", "601C", "599P", "602C", "598P", "603C"]);
    // A third query gets its share too, even though it came last.
    expect(names(unionContracts([PUTS, CALLS, [put(500), put(499)]], 6))).toEqual(["600P", "601C", "500P", "599P", "602C", "499P"]);
  });

  it("counts a contract two queries share for both, and gives a short list's unused turns to the others", () => {
    const shared = put(600);
    expect(
      names(
        unionContracts(
          [
            [shared, put(599), put(598)],
            [shared, call(601), call(602)],
          ],
          3,
        ),
      ),
    ).toEqual(["600P", "601C", "599P"]);
    expect(names(unionContracts([[call(610)], PUTS], 4))).toEqual(["610C", "600P", "599P", "598P"]);
  });

  it("takes nothing for no lines", () => {
    expect(unionContracts([PUTS, CALLS], 0)).toEqual([]);
  });
});
