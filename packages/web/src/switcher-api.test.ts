import { describe, expect, it } from "vitest";
import { apiOriginOf, switcherApi } from "./switcher-api.ts";

describe("apiOriginOf", () => {
  it("takes the API origin the site was built with, only an http(s) one; none means this page's origin", () => {
    expect(apiOriginOf("https://abc.execute-api.eu-west-1.amazonaws.com")).toBe("https://abc.execute-api.eu-west-1.amazonaws.com");
    expect(apiOriginOf("https://abc.example.com/some/path?x=1")).toBe("https://abc.example.com");
    expect(apiOriginOf(undefined)).toBe("");
    expect(apiOriginOf("")).toBe("");
    expect(apiOriginOf("javascript:alert(1)")).toBe("");
    expect(apiOriginOf("not a url")).toBe("");
  });
});

describe("a monitor's still", () => {
  it("is fetched only from a thumbnail path of the API, so that the key never goes to another origin", async () => {
    const api = switcherApi("sw-0123456789abcdef", () => "key", "https://api.example.com");

    for (const path of ["//evil.example.com/x", "https://evil.example.com/switchers/sw-1/monitors/live/thumbnail", "/switchers/sw-1/monitors/live/thumbnail/../../../accounts"]) {
      await expect(api.still(path)).rejects.toThrow(/not a thumbnail path of the API/);
    }
  });
});
