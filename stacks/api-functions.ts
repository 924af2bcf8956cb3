import type { ApiFunctionName } from "../packages/functions/src/api-routes.ts";

/** The Lambda handler of each of the API's functions (packages/functions/src/api-routes.ts). */
export const ApiHandlers = {
  api: "packages/functions/src/api.handler",
  apiChannels: "packages/functions/src/api-channels.handler",
  apiLiveEngine: "packages/functions/src/api-live-engine.handler",
  apiRecordings: "packages/functions/src/api-recordings.handler",
  apiMedia: "packages/functions/src/api-media.handler",
  apiSwitchers: "packages/functions/src/api-switchers.handler",
} as const satisfies Record<ApiFunctionName, string>;

/**
 * The component name of each of the API's functions. SST refuses two top-level components of one name, whatever their
 * case, and the gateway is "Api" (stacks/api-gateway.ts).
 */
export const apiFunctionComponent = (name: ApiFunctionName) => `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`;
