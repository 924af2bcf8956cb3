import { describe, expect, it } from "vitest";
import { cameraFailure, connectionFailure, describeConnection, goLiveFailure } from "./broadcast-failure.ts";
import { WhipFailure } from "./broadcast-whip.ts";

const domError = (name: string, message = "") => Object.assign(new Error(message), { name });

describe("a camera the browser refuses", () => {
  it("is explained by the reason the browser gives", () => {
    expect(cameraFailure(domError("NotAllowedError", "Permission denied"))).toEqual({
      message: "The browser was not allowed to use the camera and microphone: allow them for this page (the camera icon in the address bar), then press Retry.",
      detail: "NotAllowedError: Permission denied",
    });
    expect(cameraFailure(domError("NotFoundError")).message).toBe("No camera or microphone was found: connect one, then press Retry.");
    expect(cameraFailure(domError("NotReadableError", "Could not start video source")).message).toMatch(/^The camera or microphone could not be started: another application may be using it/);
    expect(cameraFailure(domError("OverconstrainedError")).message).toMatch(/no longer available/);
    expect(cameraFailure("odd")).toEqual({ message: "The camera and microphone could not be started.", detail: "odd" });
  });
});

describe("going live refused by the WHIP endpoint", () => {
  const refused = (status: number, serverMessage?: string) => goLiveFailure(new WhipFailure(`the WHIP endpoint answered HTTP ${status}`, status, serverMessage));

  it("says what to do, with the server's own message as the detail", () => {
    expect(refused(401, "the broadcast token expired at 2026-12-06T10:00:00.000Z: ask for a new broadcast link")).toEqual({
      message: "This broadcast link has expired or is not valid: ask for a new link.",
      detail: "HTTP 401: the broadcast token expired at 2026-12-06T10:00:00.000Z: ask for a new broadcast link",
    });
    expect(refused(403, "10.1.2.3 is not in the channel's allow-list").message).toBe(
      "Not allowed to broadcast to this channel: the link is for another channel, or this network's address is not on the channel's allow-list.",
    );
    expect(refused(409, "channel ch-1 is STOPPED: start it, then go live")).toEqual({
      message: "The channel is not running: start it, then Go live again.",
      detail: "HTTP 409: channel ch-1 is STOPPED: start it, then go live",
    });
    expect(refused(409, "the channel's allow-list is full (10 rules): the gateway's address cannot be added").message).toBe(
      "The channel cannot take a broadcast now: the channel's allow-list is full (10 rules): the gateway's address cannot be added",
    );
    expect(refused(503).message).toBe("The broadcast server failed: try again in a moment.");
    expect(refused(503).detail).toBe("HTTP 503");
  });

  it("passes on the server's reason for a refused offer", () => {
    expect(refused(422, "offer has no H.264 video: the gateway forwards H.264 without re-encoding").message).toBe(
      "The broadcast server refused the stream: offer has no H.264 video: the gateway forwards H.264 without re-encoding",
    );
  });

  it("tells a network failure apart", () => {
    expect(goLiveFailure(new WhipFailure("the WHIP endpoint did not answer (Failed to fetch)", 0))).toEqual({
      message: "The broadcast server did not answer: check the network connection, then Go live again.",
      detail: "the WHIP endpoint did not answer (Failed to fetch)",
    });
  });
});

describe("a lost connection", () => {
  it("is told apart from one that never worked", () => {
    expect(connectionFailure("failed").message).toMatch(/^The connection to the broadcast server failed: the network may block the media \(UDP\)/);
    expect(connectionFailure("disconnected", 10_000).message).toMatch(/^The connection to the broadcast server was lost for 10 s: check the network, then Go live again\./);
    expect(connectionFailure("closed").message).toBe("The broadcast server ended the broadcast: someone may have gone live on this channel after you.");
    expect(describeConnection("disconnected")).toBe("Interrupted: reconnecting…");
    expect(describeConnection("connected")).toBe("Connected");
  });
});
