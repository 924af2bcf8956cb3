import { type Box, box, children, childrenOf, fullBox, payloadOf, rebuilt, uint32 } from "./boxes.ts";
import { UnsupportedMp4 } from "./errors.ts";
import { type CencKey, checkKey, CLEARKEY_SYSTEM_ID, IV_SIZE } from "./keys.ts";
import { checkProtectable, locateTracks } from "./tracks.ts";

const ENCRYPTED_ENTRIES = new Set(["encv", "enca"]);

/** sinf (ISO/IEC 14496-12 8.12) for scheme 'cenc' 1.0 (ISO/IEC 23001-7): the original format, the scheme, tenc with the default KID. */
function protectionScheme(format: string, kid: Buffer): Buffer {
  const frma = box("frma", Buffer.from(format, "latin1"));
  const schm = fullBox("schm", 0, 0, Buffer.from("cenc", "latin1"), uint32(0x10000));
  const tenc = fullBox("tenc", 0, 0, Buffer.from([0, 0, 1, IV_SIZE]), kid);
  return box("sinf", frma, schm, box("schi", tenc));
}

/** A version 1 pssh of the W3C ClearKey system that lists the key id (ISO/IEC 23001-7 8.1). */
export function clearKeyPssh(kids: Buffer[]): Buffer {
  return fullBox("pssh", 1, 0, CLEARKEY_SYSTEM_ID, uint32(kids.length), ...kids, uint32(0));
}

/** The box rebuilt with `replaced` boxes (by start) swapped in and `appended` boxes added to their parents; sizes follow. */
function rebuild(bytes: Buffer, at: Box, replaced: Map<number, Buffer>, appended: Map<number, Buffer[]>): Buffer {
  const replacement = replaced.get(at.start);
  if (replacement) return replacement;
  const end = at.start + at.size;
  const touched = appended.has(at.start) || [...replaced.keys()].some((start) => start > at.start && start < end);
  if (!touched) return bytes.subarray(at.start, end);
  const prefix = at.type === "stsd" ? 8 : 0; // version, flags, entry_count
  const payloadStart = at.start + at.headerSize;
  return rebuilt(at, [
    bytes.subarray(payloadStart, payloadStart + prefix),
    ...childrenOf(bytes, at, prefix).map((child) => rebuild(bytes, child, replaced, appended)),
    ...(appended.get(at.start) ?? []),
  ]);
}

/**
 * The init segment of a 'cenc' protected presentation: every audio and video sample entry becomes enca/encv with a
 * sinf naming its original format and the key id, and moov gains a ClearKey pssh. Other tracks stay as they are.
 */
export function encryptInit(init: Buffer, key: CencKey): Buffer {
  checkKey(key);
  const { moov, tracks } = locateTracks(init);
  const replaced = new Map<number, Buffer>();
  for (const track of tracks) {
    if (track.protection === "clear") continue;
    checkProtectable(track);
    for (const entry of track.entries) {
      if (ENCRYPTED_ENTRIES.has(entry.type)) throw new UnsupportedMp4(`track ${track.trackId} is encrypted already`);
      const type = track.protection === "nal-units" ? "encv" : "enca";
      replaced.set(entry.start, rebuilt(entry, [payloadOf(init, entry), protectionScheme(entry.type, key.kid)], type));
    }
  }
  if (replaced.size === 0) throw new UnsupportedMp4("the init segment has no audio or video track to encrypt");
  const appended = new Map([[moov.start, [clearKeyPssh([key.kid])]]]);
  return Buffer.concat(children(init).map((top) => rebuild(init, top, replaced, appended)));
}
