import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { audioBitrateKbps, firstVideoPacketIsKeyframe, probeStreams } from "./media.ts";

export async function signedFetch(url: string, query: string) {
  return fetch(`${url}${url.includes("?") ? "&" : "?"}${query}`);
}

export function variants(master: string) {
  return [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)].map(([, attributes, uri]) => ({
    resolution: /RESOLUTION=(\d+x\d+)/.exec(attributes!)?.[1],
    uri: uri!.trim(),
  }));
}

/** The last but one segment of a media playlist, fetched with the signature into `work`/`name`. */
export async function fetchSegment(playlistUrl: string, query: string, work: string, name: string) {
  const playlist = await (await signedFetch(playlistUrl, query)).text();
  const segments = playlist.split("\n").filter((line) => line && !line.startsWith("#"));
  const segmentUrl = new URL(segments[Math.max(0, segments.length - 2)]!, playlistUrl).toString();
  const answer = await signedFetch(segmentUrl, query);
  expect(answer.status).toBe(200);
  const file = join(work, name);
  await writeFile(file, Buffer.from(await answer.arrayBuffer()));
  return { file, playlist };
}

/** The master playlist lists the four rungs, and a segment of each is H.264 at its size, 30 fps, AAC at its rate, opening on a keyframe. */
export async function expectLadderSegments(playback: { hlsUrl: string; query: string }, work: string, name: string) {
  const unsigned = await fetch(playback.hlsUrl);
  const master = await (await signedFetch(playback.hlsUrl, playback.query)).text();
  expect(unsigned.status).toBe(403);
  expect(variants(master).map((variant) => variant.resolution)).toEqual(["1920x1080", "1280x720", "640x480", "320x240"]);
  const expected = [
    [1920, 1080, 192],
    [1280, 720, 192],
    [640, 480, 128],
    [320, 240, 128],
  ] as const;
  for (const [index, variant] of variants(master).entries()) {
    const [width, height, audio] = expected[index]!;
    const { file } = await fetchSegment(new URL(variant.uri, playback.hlsUrl).toString(), playback.query, work, `${name}-${index}.ts`);
    const streams = await probeStreams(file);
    expect(streams.find((stream) => stream.codec_type === "video")).toMatchObject({ codec_name: "h264", width, height, avg_frame_rate: "30/1" });
    expect(streams.find((stream) => stream.codec_type === "audio")?.codec_name).toBe("aac");
    const kbps = await audioBitrateKbps(file);
    expect(kbps).toBeGreaterThan(audio * 0.85);
    expect(kbps).toBeLessThan(audio * 1.15);
    expect(await firstVideoPacketIsKeyframe(file)).toBe(true);
  }
}
