import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { routedTo } from "../api-routes.ts";
import type { CallerEnv } from "./caller.ts";
import { type ApiDeps, routedApp } from "./routed-app.ts";

const deps = {} as ApiDeps;
const route = (method: "get" | "post", path: string) => createRoute({ method, path, responses: { 200: { description: "ok" } } });

describe("an app of some of the API's routes", () => {
  it("refuses a route module whose routes go to two functions: its bundle would carry the other's", () => {
    const channels = () =>
      new OpenAPIHono<CallerEnv>().openapi(route("post", "/channels"), (c) => c.body(null, 200)).openapi(route("get", "/channels"), (c) => c.body(null, 200));

    expect(() => routedApp(deps, [channels], routedTo("apiLiveEngine"))).toThrow("this app serves POST /channels, not GET /channels");
  });
});
