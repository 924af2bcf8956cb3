import { describe, expect, it } from "vitest";
import { signerFor, withAuth } from "./signed-url.ts";

const AUTH = "Policy=eyJTdGF0ZW1lbnQiOlt7~_-&Signature=abc~def-_&Key-Pair-Id=K2JCJMDEHXQW5F";

describe("withAuth", () => {
  it("adds the signature to a URL without a query", () => {
    expect(withAuth("https://cdn.example/live/ch1/master.m3u8", AUTH)).toBe(`https://cdn.example/live/ch1/master.m3u8?${AUTH}`);
  });

  it("keeps an existing query and the values exactly as written", () => {
    expect(withAuth("https://cdn.example/seg_1.ts?_HLS_msn=4&x=a%20b", AUTH)).toBe(`https://cdn.example/seg_1.ts?_HLS_msn=4&x=a%20b&${AUTH}`);
  });

  it("replaces parameters of the same name instead of repeating them", () => {
    const once = withAuth("https://cdn.example/a.m3u8", AUTH);
    expect(withAuth(once, AUTH)).toBe(once);
    expect(withAuth("https://cdn.example/a.ts?Signature=old&b=1", "Signature=new")).toBe("https://cdn.example/a.ts?b=1&Signature=new");
  });

  it("keeps the fragment last and accepts a leading ? in the signature", () => {
    expect(withAuth("https://cdn.example/a.mp4#t=5", "?token=abc")).toBe("https://cdn.example/a.mp4?token=abc#t=5");
  });

  it("leaves the URL alone without a signature, and data or blob URLs always", () => {
    expect(withAuth("https://cdn.example/a.m3u8?x=1", "")).toBe("https://cdn.example/a.m3u8?x=1");
    expect(withAuth("data:application/vnd.apple.mpegurl;base64,AAAA", AUTH)).toBe("data:application/vnd.apple.mpegurl;base64,AAAA");
  });
});

describe("signerFor", () => {
  it("signs requests to the stream's origin only", () => {
    const sign = signerFor("https://cdn.example/live/ch1/master.m3u8", "token=abc");
    expect(sign("https://cdn.example/live/ch1/720p/seg_1.ts")).toBe("https://cdn.example/live/ch1/720p/seg_1.ts?token=abc");
    expect(sign("https://elsewhere.example/seg_1.ts")).toBe("https://elsewhere.example/seg_1.ts");
  });
});
