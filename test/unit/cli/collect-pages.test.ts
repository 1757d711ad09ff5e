// The CLI's paging of List calls: one page unless --all, every page to the end with it, and a
// server that hands back the token it was given never makes it loop.
import { describe, expect, it } from "vitest";
import { collectPages, type ListedPage } from "../../../services/cli/collect-pages.js";

const LETTERS = ["a", "b", "c", "d", "e"];

/** Pages of two letters each over LETTERS, the token being the index of the page's first letter. */
function letters(asked: string[]) {
  return (pageToken: string): Promise<ListedPage<string>> => {
    asked.push(pageToken);
    const start = pageToken === "" ? 0 : Number(pageToken);
    const end = Math.min(start + 2, 5);
    return Promise.resolve({ items: LETTERS.slice(start, end), nextPageToken: end < 5 ? String(end) : "" });
  };
}

describe("collectPages", () => {
  it("fetches only the page named, and hands on the next token", async () => {
    const asked: string[] = [];
    expect(await collectPages("2", false, letters(asked))).toEqual({ items: ["c", "d"], nextPageToken: "4" });
    expect(asked).toEqual(["2"]);
  });

  it("with all, follows the pages from the one named to the end", async () => {
    const asked: string[] = [];
    expect(await collectPages("", true, letters(asked))).toEqual({ items: ["a", "b", "c", "d", "e"], nextPageToken: "" });
    expect(asked).toEqual(["", "2", "4"]);
  });

  it("stops when the server answers with the token it was given", async () => {
    const asked: string[] = [];
    const stuck = (pageToken: string): Promise<ListedPage<string>> => {
      asked.push(pageToken);
      return Promise.resolve({ items: ["x"], nextPageToken: "same" });
    };
    expect(await collectPages("same", true, stuck)).toEqual({ items: ["x"], nextPageToken: "same" });
    expect(asked).toEqual(["same"]);
  });
});
