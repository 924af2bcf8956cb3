import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { API_TYPES_FILE, apiTypes } from "../../../scripts/openapi-types.ts";

describe("the web pages' API types", () => {
  it("are what openapi-typescript makes of the API's /openapi.json today: run `npm run openapi-types` after changing a route", async () => {
    expect(await readFile(API_TYPES_FILE, "utf8")).toBe(await apiTypes());
  });
});
