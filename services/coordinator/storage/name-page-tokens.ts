// Page tokens of a list by name (ListWatchlists, ListSavedScans): the last name of a page,
// encoded, behind a prefix of its list's own. Opaque to callers, and refused with a field
// violation when it is not one this list gave: a token of another list, or a forged one.
import { invalidArgument } from "../../common/errors.js";

/** What a listed name may be (watchlists and saved scans alike). */
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface NamePageTokens {
  /** The token that resumes the list after `name`. */
  after(name: string): string;
  /** The name a token resumes after ("" for none); throws INVALID_ARGUMENT on field page_token for a token never given. */
  nameAfter(token: string): string;
}

/** Tokens behind `prefix` (like "w1"), naming `listMethod` when one is refused. */
export function namePageTokens(prefix: string, listMethod: string): NamePageTokens {
  const pattern = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.([A-Za-z0-9_-]{1,100})$`);
  const after = (name: string): string => `${prefix}.${Buffer.from(name, "utf8").toString("base64url")}`;
  return {
    after,
    nameAfter(token) {
      if (token === "") return "";
      const encoded = pattern.exec(token)?.[1];
      const name = encoded === undefined ? undefined : Buffer.from(encoded, "base64url").toString("utf8");
      if (name === undefined || !NAME.test(name) || after(name) !== token) {
        throw invalidArgument([{ field: "page_token", description: `is not a token a previous ${listMethod} returned` }]);
      }
      return name;
    },
  };
}
