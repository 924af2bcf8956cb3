import { apiFunction } from "./api-function.ts";
import { broadcastSecret } from "./aws-adapters/broadcast-secret.ts";

/** Accounts, /health, /openapi.json, the broadcast page's status: the table, the bus and the broadcast tokens' key. */
export const handler = apiFunction("api", {}, { broadcastSecret: broadcastSecret() });
