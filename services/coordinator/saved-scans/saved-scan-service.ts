// spreadscan.coordinator.v1.SavedScanService over gRPC: each call reads and writes the
// caller's own saved scans (ownerOf: the API key's client, or the one shared owner while keys
// are off). Writes need only the "scan" scope, as WatchlistService's do. RunSavedScan runs the
// saved scan through scanUniverse, the very function ScanUniverse answers with, so a saved
// scan answers what ScanUniverse answers for its symbols and query. WatchAlerts is the alert
// side's handler, passed in.
import { status } from "@grpc/grpc-js";
import type {
  CreateSavedScanRequest,
  CreateSavedScanResponse,
  DeleteSavedScanRequest,
  DeleteSavedScanResponse,
  GetSavedScanRequest,
  GetSavedScanResponse,
  ListSavedScansRequest,
  ListSavedScansResponse,
  RunSavedScanRequest,
  RunSavedScanResponse,
  SavedScan,
  SavedScanServiceServer,
  UpdateSavedScanRequest,
  UpdateSavedScanResponse,
} from "../../../gen/ts/spreadscan/coordinator/v1/saved_scan.js";
import { invalidArgument, notFound, RpcError } from "../../common/errors.js";
import { unaryHandler, type HandlerOptions } from "../../common/handlers.js";
import { durationOf } from "../jobs/scan-job.js";
import { ownerOf } from "../owner.js";
import { namePageTokens } from "../storage/name-page-tokens.js";
import { scanUniverse, type UniverseScanParts } from "../universe/universe-scan.js";
import { watchlistNameOf } from "../watchlists/watchlist-input.js";
import type { StoredSavedScan } from "./saved-scan-lookup.js";
import { universeRequestOf, validSavedScan } from "./saved-scan-input.js";
import type { SavedScanStore } from "./saved-scan-store.js";

const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const PAGE_TOKENS = namePageTokens("s1", "ListSavedScans");

/** The saved scan as the wire shows it: the webhook's secret never, secret_set instead. */
export function savedScanMessage(stored: StoredSavedScan): SavedScan {
  const alerts = stored.alerts;
  return {
    name: stored.name,
    symbols: [...stored.symbols],
    watchlist: stored.watchlist,
    query: stored.query,
    perSymbolLimit: stored.perSymbolLimit,
    alerts: alerts && {
      checkInterval: durationOf(alerts.checkIntervalMs),
      retention: durationOf(alerts.retentionMs),
      webhook: alerts.webhook && { url: alerts.webhook.url, secret: "", secretSet: true },
    },
    createTime: stored.createTime,
    updateTime: stored.updateTime,
  };
}

const missing = (name: string): RpcError => notFound(`no saved scan named ${JSON.stringify(name)}`);

export interface SavedScanServiceParts {
  readonly store: SavedScanStore;
  /** What ScanUniverse runs on: the coordinator's scans and watchlists. */
  readonly universe: UniverseScanParts;
  /** The alert side's streaming handler. */
  readonly watchAlerts: SavedScanServiceServer["watchAlerts"];
}

export function savedScanService(parts: SavedScanServiceParts, options: HandlerOptions): SavedScanServiceServer {
  const { store } = parts;
  return {
    createSavedScan: unaryHandler(
      "CreateSavedScan",
      async (request: CreateSavedScanRequest, context): Promise<CreateSavedScanResponse> => {
        const { name, content } = validSavedScan(request.savedScan, "required");
        const created = await store.create(ownerOf(context.caller), name, content);
        if (!created) throw new RpcError(status.ALREADY_EXISTS, `a saved scan named ${JSON.stringify(name)} exists; UpdateSavedScan changes it`);
        return { savedScan: savedScanMessage(created) };
      },
      options,
    ),

    getSavedScan: unaryHandler(
      "GetSavedScan",
      async (request: GetSavedScanRequest, context): Promise<GetSavedScanResponse> => {
        const name = watchlistNameOf(request.name, "name");
        const found = await store.get(ownerOf(context.caller), name);
        if (!found) throw missing(name);
        return { savedScan: savedScanMessage(found) };
      },
      options,
    ),

    listSavedScans: unaryHandler(
      "ListSavedScans",
      async (request: ListSavedScansRequest, context): Promise<ListSavedScansResponse> => {
        const after = PAGE_TOKENS.nameAfter(request.pageToken);
        const pageSize = request.pageSize === 0 ? DEFAULT_PAGE_SIZE : Math.min(request.pageSize, MAX_PAGE_SIZE);
        const page = await store.list(ownerOf(context.caller), after, pageSize);
        const last = page.savedScans.at(-1);
        return { savedScans: page.savedScans.map(savedScanMessage), nextPageToken: page.more && last ? PAGE_TOKENS.after(last.name) : "" };
      },
      options,
    ),

    updateSavedScan: unaryHandler(
      "UpdateSavedScan",
      async (request: UpdateSavedScanRequest, context): Promise<UpdateSavedScanResponse> => {
        const { name, content } = validSavedScan(request.savedScan, "keep-stored");
        const outcome = await store.update(ownerOf(context.caller), name, content);
        if ("missing" in outcome) throw missing(name);
        if ("secretRequired" in outcome) {
          throw invalidArgument([
            {
              field: "saved_scan.alerts.webhook.secret",
              description: "is required: this saved scan has no webhook secret to keep, so the first webhook needs one",
            },
          ]);
        }
        return { savedScan: savedScanMessage(outcome.updated) };
      },
      options,
    ),

    deleteSavedScan: unaryHandler(
      "DeleteSavedScan",
      async (request: DeleteSavedScanRequest, context): Promise<DeleteSavedScanResponse> => {
        const name = watchlistNameOf(request.name, "name");
        if (!(await store.delete(ownerOf(context.caller), name))) throw missing(name);
        return {};
      },
      options,
    ),

    runSavedScan: unaryHandler(
      "RunSavedScan",
      async (request: RunSavedScanRequest, context): Promise<RunSavedScanResponse> => {
        const name = watchlistNameOf(request.name, "name");
        const found = await store.get(ownerOf(context.caller), name);
        if (!found) throw missing(name);
        const savedScan = savedScanMessage(found);
        const result = await scanUniverse(parts.universe, universeRequestOf(savedScan, request.bypassCache), context);
        return { savedScan, result };
      },
      options,
    ),

    watchAlerts: parts.watchAlerts,
  };
}
