// spreadscan.coordinator.v1.WatchlistService over gRPC: each call reads and writes the
// caller's own watchlists (ownerOf: the API key's client, or the one shared owner while keys
// are off). Writes need only the "scan" scope: they change nothing but the caller's own lists,
// as SubmitScan adds only the caller's own job; "admin" stays for calls that reach past the
// caller (CancelJob, UpdateChain).
import { status } from "@grpc/grpc-js";
import type {
  CreateWatchlistRequest,
  CreateWatchlistResponse,
  DeleteWatchlistRequest,
  DeleteWatchlistResponse,
  GetWatchlistRequest,
  GetWatchlistResponse,
  ListWatchlistsRequest,
  ListWatchlistsResponse,
  UpdateWatchlistRequest,
  UpdateWatchlistResponse,
  Watchlist,
  WatchlistServiceServer,
} from "../../../gen/ts/spreadscan/coordinator/v1/watchlist.js";
import { invalidArgument, notFound, RpcError, type FieldViolation } from "../../common/errors.js";
import { unaryHandler, type HandlerOptions } from "../../common/handlers.js";
import { ownerOf } from "../owner.js";
import type { StoredWatchlist } from "./watchlist-lookup.js";
import { nameAfterToken, pageTokenAfter, watchlistNameOf, watchlistSymbolsOf } from "./watchlist-input.js";
import type { WatchlistStore } from "./watchlist-store.js";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

function messageOf(stored: StoredWatchlist): Watchlist {
  return { name: stored.name, symbols: [...stored.symbols], createTime: stored.createTime, updateTime: stored.updateTime };
}

/** The violations `check` throws, collected rather than thrown, so that every bad field is named at once. */
function collect<T>(violations: FieldViolation[], check: () => T): T | undefined {
  try {
    return check();
  } catch (error) {
    if (error instanceof RpcError && error.details.fieldViolations) {
      violations.push(...error.details.fieldViolations);
      return undefined;
    }
    throw error;
  }
}

/** A watchlist's name and symbols from a Create or Update request, or INVALID_ARGUMENT naming every bad field. */
function validWatchlist(watchlist: Watchlist | undefined): { name: string; symbols: string[] } {
  const violations: FieldViolation[] = [];
  const name = collect(violations, () => watchlistNameOf(watchlist?.name ?? "", "watchlist.name"));
  const symbols = collect(violations, () => watchlistSymbolsOf(watchlist?.symbols ?? [], "watchlist.symbols"));
  if (name === undefined || symbols === undefined) throw invalidArgument(violations);
  return { name, symbols };
}

const missing = (name: string): RpcError => notFound(`no watchlist named ${JSON.stringify(name)}`);

export function watchlistService(store: WatchlistStore, options: HandlerOptions): WatchlistServiceServer {
  return {
    createWatchlist: unaryHandler(
      "CreateWatchlist",
      async (request: CreateWatchlistRequest, context): Promise<CreateWatchlistResponse> => {
        const { name, symbols } = validWatchlist(request.watchlist);
        const created = await store.create(ownerOf(context.caller), name, symbols);
        if (!created) throw new RpcError(status.ALREADY_EXISTS, `a watchlist named ${JSON.stringify(name)} exists; UpdateWatchlist changes it`);
        return { watchlist: messageOf(created) };
      },
      options,
    ),

    getWatchlist: unaryHandler(
      "GetWatchlist",
      async (request: GetWatchlistRequest, context): Promise<GetWatchlistResponse> => {
        const name = watchlistNameOf(request.name, "name");
        const found = await store.get(ownerOf(context.caller), name);
        if (!found) throw missing(name);
        return { watchlist: messageOf(found) };
      },
      options,
    ),

    listWatchlists: unaryHandler(
      "ListWatchlists",
      async (request: ListWatchlistsRequest, context): Promise<ListWatchlistsResponse> => {
        const after = nameAfterToken(request.pageToken);
        const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
        const page = await store.list(ownerOf(context.caller), after, pageSize);
        const last = page.watchlists.at(-1);
        return { watchlists: page.watchlists.map(messageOf), nextPageToken: page.more && last ? pageTokenAfter(last.name) : "" };
      },
      options,
    ),

    updateWatchlist: unaryHandler(
      "UpdateWatchlist",
      async (request: UpdateWatchlistRequest, context): Promise<UpdateWatchlistResponse> => {
        const { name, symbols } = validWatchlist(request.watchlist);
        const updated = await store.update(ownerOf(context.caller), name, symbols);
        if (!updated) throw missing(name);
        return { watchlist: messageOf(updated) };
      },
      options,
    ),

    deleteWatchlist: unaryHandler(
      "DeleteWatchlist",
      async (request: DeleteWatchlistRequest, context): Promise<DeleteWatchlistResponse> => {
        const name = watchlistNameOf(request.name, "name");
        if (!(await store.delete(ownerOf(context.caller), name))) throw missing(name);
        return {};
      },
      options,
    ),
  };
}
