import { describe, expect, it } from "vitest";
import { apiFunction } from "./api-function.ts";
import { ApiRoutes, apiFunctionFor, BROADCAST_API_FUNCTIONS } from "./api-routes.ts";
import { liveEngine } from "./aws-adapters/engine.ts";
import { playbackSigner } from "./aws-adapters/signer.ts";
import { objectStore } from "./aws-adapters/store.ts";
import { uploadSigner } from "./aws-adapters/uploads.ts";
import { awsRuntime } from "./aws-runtime.ts";
import { FunctionAdapters, type FunctionName, functionPorts, notWired, PORTS, PortNotWired, portsOf } from "./function-adapters.ts";

/** Never called: tsc (`npm test` runs it first) holds each entry file's wiring to its FunctionAdapters entry. */
export function wiringIsTyped() {
  // @ts-expect-error channelAlert drives no adapter: the engine would put MediaLive's client in its bundle
  awsRuntime("channelAlert", { engine: liveEngine });
  // @ts-expect-error channelStep drives the live engine and must wire it
  awsRuntime("channelStep", {});
  // @ts-expect-error recordingJobChanged is granted the store, not the engine
  awsRuntime("recordingJobChanged", { store: objectStore, engine: liveEngine });
  awsRuntime("recordingJobChanged", { store: objectStore });
  // @ts-expect-error the API's channel commands leave the engine to channelStep
  apiFunction("apiChannels", { engine: liveEngine });
  // @ts-expect-error apiLiveEngine answers from the live engine and must wire it
  apiFunction("apiLiveEngine", { signer: playbackSigner });
  // @ts-expect-error apiChannels grants broadcast tokens and must be given their key
  apiFunction("apiChannels", {});
  // @ts-expect-error apiMedia has no broadcast route, and no grant of the key
  apiFunction("apiMedia", { uploads: uploadSigner, store: objectStore, signer: playbackSigner }, { broadcastSecret: async () => Buffer.alloc(32) });
}

describe("each function's ports", () => {
  it("are those of its adapters, and only those are made", () => {
    const made: string[] = [];
    const ports = functionPorts<Record<(typeof PORTS)[number], object>>("recordingJobChanged", (port) => {
      made.push(port);
      return { made: port };
    });
    expect(made).toEqual(["store"]);
    expect(Object.keys(ports).sort()).toEqual([...PORTS].sort());
    expect(ports.store).toEqual({ made: "store" });
    expect(portsOf("api")).toEqual(new Set());
    expect(portsOf("apiLiveEngine")).toEqual(new Set(["engine", "signer"]));
    expect(portsOf("apiSwitchers")).toEqual(new Set(["switcherEngine", "scheduler", "signer"]));
    for (const name of Object.keys(FunctionAdapters) as FunctionName[]) expect([...portsOf(name)].every((port) => PORTS.includes(port))).toBe(true);
  });

  it("a port left out fails a call by name, and a look at an optional member, and is no thenable, so it can be held, awaited, logged", async () => {
    const engine = notWired<{ startChannel(id: string): Promise<void>; thumbnail?: (id: string) => Promise<Buffer> }>("channelAlert", "engine");
    expect(() => engine.startChannel("1000001")).toThrow(PortNotWired);
    expect(() => engine.startChannel("1000001")).toThrow("the channelAlert function used engine.startChannel, which it does not wire");
    // A stand-in function would answer "yes, it has thumbnails" here.
    expect(() => (engine.thumbnail ? "thumbnails" : "none")).toThrow("the channelAlert function used engine.thumbnail, which it does not wire");
    expect(await Promise.resolve(engine)).toBe(engine);
    expect(JSON.stringify({ engine })).toBe('{"engine":{}}');
  });
});

describe("the API's functions", () => {
  it("take the routes API Gateway sends them: a full match of route and method first, then a greedy path, then $default", () => {
    const routes = [
      ["POST /channels", "apiLiveEngine"],
      ["GET /channels", "apiChannels"],
      ["GET /channels/ch-0123456789abcdef/playback", "apiLiveEngine"],
      ["HEAD /channels/ch-0123456789abcdef/playback", "apiLiveEngine"],
      ["HEAD /channels", "apiChannels"],
      ["POST /channels/ch-0123456789abcdef/broadcast?expiresIn=60", "apiChannels"],
      ["DELETE /channels/ch-0123456789abcdef", "apiChannels"],
      ["GET /recordings/rec-1/playback", "apiRecordings"],
      ["PUT /media", "apiMedia"],
      ["GET /switchers/sw-1/monitors/live/thumbnail", "apiSwitchers"],
      ["GET /accounts/acc-1", "api"],
      ["GET /broadcast/channel", "api"],
      ["GET /openapi.json", "api"],
      ["GET /channelsx", "api"],
    ];

    const routed = routes.map(([request]) => [request, apiFunctionFor(...(request!.split(" ") as [string, string]))]);

    expect(routed).toEqual(routes);
  });

  it("read the broadcast tokens' key where the broadcast routes go, and nowhere else", () => {
    const broadcastRoutes = [apiFunctionFor("POST", "/channels/ch-0123456789abcdef/broadcast"), apiFunctionFor("GET", "/broadcast/channel")];

    expect([...BROADCAST_API_FUNCTIONS].sort()).toEqual([...new Set(broadcastRoutes)].sort());
  });

  it("send a HEAD where its GET goes: the app answers it with the GET route, over that function's wiring", () => {
    const paths = Object.values(ApiRoutes)
      .flat()
      .flatMap((routeKey) => (routeKey === "$default" ? [] : [routeKey.split(" ")[1]!.replace("{proxy+}", "x/y").replace(/\{\w+\}/g, "x")]));

    const apart = paths.filter((path) => apiFunctionFor("HEAD", path) !== apiFunctionFor("GET", path));

    expect(paths.length).toBeGreaterThan(8);
    expect(apart).toEqual([]);
  });
});
