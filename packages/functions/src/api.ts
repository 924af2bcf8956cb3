import { apiFunction } from "./api-function.ts";

/** Accounts, /health, /openapi.json, the broadcast page's status: the table and the bus. */
export const handler = apiFunction("api", {});
