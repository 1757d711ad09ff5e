// The page's one connection: the coordinator's services through the gateway that served the
// page, over the Connect protocol.
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CoordinatorService } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";
import { SavedScanService } from "../../gen/es/spreadscan/coordinator/v1/saved_scan_pb.js";
import { WatchlistService } from "../../gen/es/spreadscan/coordinator/v1/watchlist_pb.js";

const transport = createConnectTransport({ baseUrl: location.origin });
export const coordinator: Client<typeof CoordinatorService> = createClient(CoordinatorService, transport);
export const savedScans: Client<typeof SavedScanService> = createClient(SavedScanService, transport);
export const watchlists: Client<typeof WatchlistService> = createClient(WatchlistService, transport);
