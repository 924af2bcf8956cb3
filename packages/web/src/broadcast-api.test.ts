import { describe, expect, it } from "vitest";
import { broadcastChannel, type BroadcastChannel, ChannelUnavailable, describeChannel } from "./broadcast-api.ts";
import type { Fetch } from "./broadcast-whip.ts";

const CHANNEL: BroadcastChannel = { channelId: "ch-1", name: "Studio", state: "RUNNING", expiresAt: "2026-12-06T14:00:00.000Z" };

describe("the broadcast's channel", () => {
  it("is asked of the API with the broadcast token", async () => {
    const sent: [string, RequestInit][] = [];
    const fetchFn: Fetch = async (url, init) => {
      sent.push([url, init]);
      return Response.json(CHANNEL);
    };
    expect(await broadcastChannel("http://127.0.0.1:8080", "tok", fetchFn)).toEqual(CHANNEL);
    expect(sent).toEqual([["http://127.0.0.1:8080/broadcast/channel", { cache: "no-store", headers: { authorization: "Bearer tok" } }]]);
  });

  it("is unavailable with an expired link, a refusal or no answer, each said apart", async () => {
    const answering = (response: Response): Fetch => async () => response;
    const expired = Response.json({ error: { code: "Unauthorized", message: "the broadcast token expired", details: {} } }, { status: 401 });
    await expect(broadcastChannel("", "tok", answering(expired))).rejects.toEqual(new ChannelUnavailable("this broadcast link has expired or is not valid (the broadcast token expired)", 401));
    await expect(broadcastChannel("", "tok", answering(new Response("oops", { status: 500 })))).rejects.toMatchObject({ status: 500, message: "the API answered HTTP 500" });
    await expect(broadcastChannel("", "tok", answering(Response.json({ nope: true })))).rejects.toThrow("the API's answer is not a channel");
    await expect(broadcastChannel("", "tok", () => Promise.reject(new TypeError("Failed to fetch")))).rejects.toMatchObject({ status: 0, message: "the API did not answer (Failed to fetch)" });
  });

  it("is described in words, with how long its input has been lost", () => {
    const now = Date.parse("2026-12-06T13:00:12.000Z");
    expect(describeChannel(CHANNEL, now)).toBe("Running");
    expect(describeChannel({ ...CHANNEL, inputLostSince: "2026-12-06T13:00:00.000Z" }, now)).toBe("Running, no input for 12 s");
    expect(describeChannel({ ...CHANNEL, state: "STOPPED" }, now)).toBe("Stopped");
    expect(describeChannel({ ...CHANNEL, state: "IDLE", failureReason: "the transcoder exited" }, now)).toBe("Stopped: the transcoder exited");
    expect(describeChannel({ ...CHANNEL, state: "SOMETHING_NEW" as BroadcastChannel["state"] }, now)).toBe("SOMETHING_NEW");
  });
});
