// The caller's watchlists in the side panel: each listed with Edit (which puts it in the form)
// and Delete, and a form that saves one, creating it or replacing the symbols of the one of that
// name. The coordinator checks names and symbols: a violation shows next to its field.
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../../gen/es/google/rpc/error_details_pb.js";
import type { Watchlist } from "../../gen/es/spreadscan/coordinator/v1/watchlist_pb.js";
import { watchlists } from "./coordinator.js";
import { button, inputOf } from "./dom.js";
import { showViolations } from "./scan-form.js";
import { symbolsOf } from "./scope.js";

/** A refusal's violations next to the form's fields: each bad symbol (`watchlist.symbols[2]`) at the symbols field. */
function showRefusal(form: HTMLFormElement, error: unknown): void {
  const refusal = ConnectError.from(error);
  const violations = refusal
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations)
    .map(({ field, description }) => ({ field: field.replace(/^(watchlist\.symbols)\[\d+\]$/, "$1"), description }));
  showViolations(form, violations, violations.length === 0 ? refusal.message : "");
}

/** Lists the watchlists, each with Edit and Delete; `changed` runs after a delete. */
export function showWatchlists(list: HTMLElement, form: HTMLFormElement, lists: readonly Watchlist[], changed: () => Promise<void>): void {
  list.replaceChildren(
    ...lists.map((watchlist) => {
      const item = document.createElement("li");
      item.dataset.watchlist = watchlist.name;
      item.append(
        `${watchlist.name}: ${watchlist.symbols.join(" ")} `,
        button("Edit", `edit watchlist ${watchlist.name}`, () => {
          inputOf(form, "watchlist.name").value = watchlist.name;
          inputOf(form, "watchlist.symbols").value = watchlist.symbols.join(" ");
          showViolations(form, []);
        }),
        button("Delete", `delete watchlist ${watchlist.name}`, () => {
          void watchlists.deleteWatchlist({ name: watchlist.name }).then(
            () => {
              showViolations(form, []);
              return changed();
            },
            (error: unknown) => showRefusal(form, error),
          );
        }),
      );
      return item;
    }),
  );
}

/**
 * Saves the form's watchlist: created, or, when one of that name exists, its symbols replaced
 * (UpdateWatchlist). Resolves true when saved, false when refused (the violations shown).
 */
export async function saveWatchlist(form: HTMLFormElement): Promise<boolean> {
  const watchlist = { name: inputOf(form, "watchlist.name").value.trim(), symbols: symbolsOf(inputOf(form, "watchlist.symbols").value) };
  try {
    try {
      await watchlists.createWatchlist({ watchlist });
    } catch (error) {
      if (ConnectError.from(error).code !== Code.AlreadyExists) throw error;
      await watchlists.updateWatchlist({ watchlist });
    }
  } catch (error) {
    showRefusal(form, error);
    return false;
  }
  showViolations(form, []);
  return true;
}
