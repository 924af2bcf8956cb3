import type { Answer, RequestBody } from "./api.ts";
import { type Failure, failureOf, type FieldIssue, type ScheduleEntryInput, type SwitchMode } from "./switcher-model.ts";

export class ApiFailure extends Error implements Failure {
  override name = "ApiFailure";
  constructor(
    message: string,
    readonly status: number,
    readonly issues: FieldIssue[],
  ) {
    super(message);
  }
}

/** Any error of a call as an ApiFailure: what the operator is shown. */
export function asApiFailure(error: unknown): ApiFailure {
  return error instanceof ApiFailure ? error : new ApiFailure(String(error), 0, []);
}

/**
 * Where the API is: this page's origin (""), or the origin the site was built with (VITE_VISIONSTREAM_API_URL, set by
 * the stack when the pages are hosted apart from the API). Never taken from the address: a link could then send the
 * operator's key elsewhere. Only an http(s) origin is taken.
 */
export function apiOriginOf(configured: string | undefined): string {
  if (!configured) return "";
  try {
    const url = new URL(configured);
    return url.protocol === "https:" || url.protocol === "http:" ? url.origin : "";
  } catch {
    return "";
  }
}

/** The switcher's routes of the API at `apiOrigin` ("" for this page's origin), with the account's API key as bearer token. */
export function switcherApi(switcherId: string, apiKey: () => string | undefined, apiOrigin = "") {
  const base = `${apiOrigin}/switchers/${encodeURIComponent(switcherId)}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const key = apiKey();
    if (!key) throw new ApiFailure("no API key: enter the account's API key", 401, []);
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        cache: "no-store",
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiFailure(`unreachable: the API did not answer (${(error as Error).message})`, 0, []);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const { message, issues } = failureOf(response.status, parsed);
      throw new ApiFailure(message, response.status, issues);
    }
    if (parsed === undefined) throw new ApiFailure(`the API answered HTTP ${response.status} with a body that is not JSON`, response.status, []);
    return parsed as T;
  }

  /** A bus's latest still, at a path of this API (never another origin: the key goes with it); undefined on 404 (none yet). */
  async function still(path: string): Promise<Blob | undefined> {
    if (!/^\/switchers\/[^/]+\/monitors\/(live|preview)\/thumbnail$/.test(path)) throw new ApiFailure(`not a thumbnail path of the API: ${path}`, 0, []);
    const key = apiKey();
    if (!key) throw new ApiFailure("no API key: enter the account's API key", 401, []);
    let response: Response;
    try {
      response = await fetch(`${apiOrigin}${path}`, { cache: "no-store", headers: { authorization: `Bearer ${key}` } });
    } catch (error) {
      throw new ApiFailure(`unreachable: the API did not answer (${(error as Error).message})`, 0, []);
    }
    if (response.status === 404) return undefined;
    if (!response.ok) throw new ApiFailure(`the thumbnail was refused: HTTP ${response.status}`, response.status, []);
    return response.blob();
  }

  return {
    still,
    get: () => call<Answer<"/switchers/{switcherId}", "get">>("GET", "").then((answer) => answer.switcher),
    events: () => call<Answer<"/switchers/{switcherId}/events", "get">>("GET", "/events").then((answer) => answer.events),
    preview: (ingestId: string) => call<unknown>("POST", "/preview", { ingestId } satisfies RequestBody<"/switchers/{switcherId}/preview", "post">),
    live: (ingestId: string, mode: SwitchMode) => call<unknown>("POST", "/live", { ingestId, mode } satisfies RequestBody<"/switchers/{switcherId}/live", "post">),
    take: (mode: SwitchMode) => call<unknown>("POST", "/take", { mode } satisfies RequestBody<"/switchers/{switcherId}/take", "post">),
    saveSchedule: (entries: ScheduleEntryInput[]) => call<Answer<"/switchers/{switcherId}/schedule", "put">>("PUT", "/schedule", entries).then((answer) => answer.schedule),
  };
}

export type SwitcherApi = ReturnType<typeof switcherApi>;
