import { API_ROUTES } from "./api/app.ts";
import { apiFunction } from "./api-function.ts";
import { broadcastSecret } from "./aws-adapters/broadcast-secret.ts";

/**
 * Accounts, /health, /openapi.json, the broadcast page's status: the table, the bus and the broadcast tokens' key. Every
 * route module, for the document of the whole API.
 */
export const handler = apiFunction("api", API_ROUTES, {}, { broadcastSecret: broadcastSecret() });
