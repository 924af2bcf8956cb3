import { describe, expect, it } from "vitest";
import { apiOriginOf } from "./switcher-api.ts";

describe("apiOriginOf", () => {
  it("takes the API's origin from api= when the pages are hosted apart, and only an http(s) origin", () => {
    expect(apiOriginOf("?id=sw-1&api=https%3A%2F%2Fabc.execute-api.eu-west-1.amazonaws.com")).toBe("https://abc.execute-api.eu-west-1.amazonaws.com");
    expect(apiOriginOf("?id=sw-1&api=https://abc.example.com/some/path?x=1")).toBe("https://abc.example.com");
    expect(apiOriginOf("?id=sw-1")).toBe("");
    expect(apiOriginOf("?api=javascript:alert(1)")).toBe("");
    expect(apiOriginOf("?api=not a url")).toBe("");
  });
});
