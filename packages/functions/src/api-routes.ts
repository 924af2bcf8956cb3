/**
 * The HTTP API's functions: one app (api/app.ts), several Lambda functions behind the one API Gateway, each serving
 * the routes the gateway sends it and wiring only their adapters (function-adapters.ts). Route keys are API Gateway's
 * (`METHOD /path`, `{name}` one segment, `{proxy+}` one or more at the end); stacks/api.ts deploys them as listed.
 */
export const ApiRoutes = {
  // Accounts, /health, /openapi.json, the broadcast page's /broadcast/channel, and whatever no other route takes.
  api: ["$default"],
  apiChannels: ["ANY /channels", "ANY /channels/{proxy+}"],
  // The two channel routes that answer from the live engine: the ingest endpoints MediaLive gives a new channel, and
  // where the channel's output is served. The playback's is ANY: the app answers a HEAD with its GET route, and a GET
  // route of the gateway takes no HEAD, which would go to apiChannels, without the engine.
  apiLiveEngine: ["POST /channels", "ANY /channels/{channelId}/playback"],
  apiRecordings: ["ANY /recordings", "ANY /recordings/{proxy+}"],
  apiMedia: ["ANY /media", "ANY /media/{proxy+}"],
  apiSwitchers: ["ANY /switchers", "ANY /switchers/{proxy+}"],
} as const;

export type ApiFunctionName = keyof typeof ApiRoutes;
export const API_FUNCTIONS = Object.keys(ApiRoutes) as ApiFunctionName[];

/**
 * The functions whose routes sign or check broadcast tokens, and so read their key: apiChannels grants them
 * (POST /channels/{channelId}/broadcast), the default one checks them (GET /broadcast/channel, the broadcast page's).
 */
export const BROADCAST_API_FUNCTIONS = ["api", "apiChannels"] as const satisfies readonly ApiFunctionName[];
export type BroadcastApiFunctionName = (typeof BROADCAST_API_FUNCTIONS)[number];
export const takesBroadcasts = (name: ApiFunctionName): name is BroadcastApiFunctionName => (BROADCAST_API_FUNCTIONS as readonly ApiFunctionName[]).includes(name);

/** How well a route key takes a request, API Gateway's way (lower is better), or undefined if it does not. */
function matchRank(routeKey: string, method: string, path: string): number | undefined {
  const [routeMethod = "", routePath = ""] = routeKey.split(" ");
  if (routeMethod !== "ANY" && routeMethod !== method.toUpperCase()) return undefined;
  const wanted = routePath.split("/").slice(1);
  const segments = path.split("?")[0]!.split("/").slice(1);
  const greedy = wanted.at(-1)?.endsWith("+}") ?? false;
  if (greedy ? segments.length < wanted.length : segments.length !== wanted.length) return undefined;
  const fixed = greedy ? wanted.slice(0, -1) : wanted;
  const fits = fixed.every((part, index) => (/^\{\w+\}$/.test(part) ? segments[index] !== "" : part === segments[index]));
  if (!fits || (greedy && segments.slice(fixed.length).some((segment) => segment === ""))) return undefined;
  // A full match of route and method first, then a greedy path variable; a method named before ANY.
  return (greedy ? 2 : 0) + (routeMethod === "ANY" ? 1 : 0);
}

/**
 * The function API Gateway invokes for a request: the route that matches it best (a full match of route and method,
 * then one with a greedy path variable), else the $default route's.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
 */
export function apiFunctionFor(method: string, path: string): ApiFunctionName {
  let best: { name: ApiFunctionName; rank: number } | undefined;
  for (const name of API_FUNCTIONS) {
    for (const routeKey of ApiRoutes[name]) {
      if (routeKey === "$default") continue;
      const rank = matchRank(routeKey, method, path);
      if (rank !== undefined && (!best || rank < best.rank)) best = { name, rank };
    }
  }
  return best?.name ?? defaultApiFunction;
}

const defaultApiFunction = API_FUNCTIONS.find((name) => (ApiRoutes[name] as readonly string[]).includes("$default"))!;

/** Whether API Gateway sends the function `name` a request of this method on this path. */
export const routedTo = (name: ApiFunctionName) => (method: string, path: string) => apiFunctionFor(method, path) === name;
