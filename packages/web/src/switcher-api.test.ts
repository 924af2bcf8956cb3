import { describe, expect, it } from "vitest";
import { apiOriginOf } from "./switcher-api.ts";

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
