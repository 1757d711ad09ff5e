// The page's one connection: the coordinator's services through the gateway that served the
// page, over the Connect protocol.
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { CoordinatorService } from "../../gen/es/spreadscan/coordinator/v1/coordinator_service_pb.js";

export const coordinator: Client<typeof CoordinatorService> = createClient(CoordinatorService, createConnectTransport({ baseUrl: location.origin }));
