import { describe, expect, it } from "vitest";
import { AccountId, ChannelId, MediaId, newId, newSessionId, RecordingId, SwitcherId } from "./ids.ts";
import { recordingIdOf } from "./recordings/recording.ts";

describe("ids", () => {
  it("makes new ids in the stored format: the kind's prefix and sixteen characters of [a-z0-9]", () => {
    const ids = Array.from({ length: 50 }, () => ({ account: newId("account"), channel: newId("channel"), media: newId("media"), switcher: newId("switcher") }));

    for (const id of ids) {
      expect(id.account).toMatch(/^acc-[a-z0-9]{16}$/);
      expect(id.channel).toMatch(/^ch-[a-z0-9]{16}$/);
      expect(id.media).toMatch(/^med-[a-z0-9]{16}$/);
      expect(id.switcher).toMatch(/^sw-[a-z0-9]{16}$/);
    }
    expect(new Set(ids.map((id) => id.channel)).size).toBe(50);
  });

  it("derives the same recording id from a channel session as before", () => {
    expect(recordingIdOf("ch-0123456789abcdef", "20261122t120000z-abcdef")).toBe("rec-i4857lcs3ggcpdap");
  });

  it("names a session by its start time and six random characters", () => {
    expect(newSessionId(new Date("2026-11-22T12:00:00.123Z"))).toMatch(/^20261122t120000z-[a-z0-9]{6}$/);
  });

  it("accepts each kind's id only, and says what one looks like", () => {
    const schemas = { account: AccountId, channel: ChannelId, recording: RecordingId, media: MediaId, switcher: SwitcherId };

    expect(Object.values(schemas).map((schema) => schema.safeParse("ch-0123456789abcdef").success)).toEqual([false, true, false, false, false]);
    expect(AccountId.safeParse("acc-0123456789ABCDEF").error?.issues[0]?.message).toBe("an account id looks like acc-0123456789abcdef");
    expect(SwitcherId.safeParse("sw-0123").error?.issues[0]?.message).toBe("a switcher id looks like sw-0123456789abcdef");
  });
});
