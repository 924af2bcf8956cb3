import { describe, expect, it } from "vitest";
import { dashErrorIsFatal, dashFailure } from "./failure.ts";

describe("dash.js errors as the viewer is told them", () => {
  it("explains a refused manifest or license by its HTTP status", () => {
    expect(dashFailure({ code: 25, message: "manifest" }, 403)).toEqual({
      message: "not allowed: the link expired or is invalid",
      detail: "HTTP 403 loading the manifest (dash.js 25)",
    });
    const license = dashFailure({ code: 114, message: 'DRM: org.w3.clearkey update, XHR complete. status is "Forbidden" (403), readyState is 4.' });
    expect(license).toEqual({ message: "not allowed: the link expired or is invalid", detail: "HTTP 403 loading the decryption key (dash.js 114)" });
    expect(dashFailure({ code: 11, message: "Failed loading manifest" }).message).toBe("unreachable: the stream's server did not answer (network or CORS)");
  });

  it("stops for a refused segment, not for a late one or a clock that could not be synchronised", () => {
    expect(dashErrorIsFatal({ code: 27, message: "" }, 404)).toBe(false);
    expect(dashErrorIsFatal({ code: 27, message: "" }, 403)).toBe(true);
    expect(dashErrorIsFatal({ code: 16, message: "" })).toBe(false);
    expect(dashErrorIsFatal({ code: 25, message: "" }, 404)).toBe(true);
    expect(dashErrorIsFatal({ code: 112, message: "" })).toBe(true);
  });

  it("names what else went wrong", () => {
    expect(dashFailure({ code: 112, message: "denied" }).message).toBe("cannot play: the stream could not be decrypted");
    expect(dashFailure({ code: 10, message: "parsing" }).message).toBe("cannot play: the manifest is not valid");
    expect(dashFailure({ code: 999, message: "odd" })).toEqual({ message: "cannot play: the player failed", detail: "dash.js 999: odd" });
  });
});
