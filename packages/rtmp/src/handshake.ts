import { createHmac, randomBytes } from "node:crypto";

export const HANDSHAKE_SIZE = 1536;
export const RTMP_VERSION = 3;

// The Flash Player 9 handshake keys: the first 30 / 36 bytes sign C1 / S1, the whole keys sign S2 and C2.
const KEY_TAIL = Buffer.from("f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae", "hex");
const PLAYER_KEY = Buffer.concat([Buffer.from("Genuine Adobe Flash Player 001"), KEY_TAIL]);
const SERVER_KEY = Buffer.concat([Buffer.from("Genuine Adobe Flash Media Server 001"), KEY_TAIL]);
const DIGEST_SIZE = 32;
// A version the FP9 clients accept as a signing server (ffmpeg wants the first byte >= 3, librtmp non-zero).
const SERVER_VERSION = [5, 0, 3, 1] as const;

export class HandshakeRefused extends Error {
  override name = "HandshakeRefused";
}

type DigestScheme = 0 | 1;

/** Where the 32-byte digest sits in a 1536-byte C1/S1 under each scheme of the FP9 handshake. */
function digestOffset(packet: Buffer, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = packet[base]! + packet[base + 1]! + packet[base + 2]! + packet[base + 3]!;
  return (sum % 728) + base + 4;
}

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

function packetDigest(packet: Buffer, offset: number, key: Buffer): Buffer {
  return hmac(key, packet.subarray(0, offset), packet.subarray(offset + DIGEST_SIZE));
}

/** The client's digest and its scheme, if C1 is signed (Flash Player 9 and later, ffmpeg, librtmp); undefined for a plain C1. */
export function findClientDigest(c1: Buffer): { digest: Buffer; scheme: DigestScheme } | undefined {
  if (c1.readUInt32BE(4) === 0) return undefined;
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(c1, scheme);
    const digest = c1.subarray(offset, offset + DIGEST_SIZE);
    if (packetDigest(c1, offset, PLAYER_KEY.subarray(0, 30)).equals(digest)) return { digest, scheme };
  }
  return undefined;
}

/** C0: plain RTMP is version 3; throws for anything else, so garbage is turned away at its first byte. */
export function checkClientVersion(c0: number): void {
  if (c0 === 6 || c0 === 8 || c0 === 9) throw new HandshakeRefused("encrypted RTMP (RTMPE) is not supported");
  if (c0 !== RTMP_VERSION) throw new HandshakeRefused("not an RTMP handshake");
}

/**
 * S0+S1+S2 for a client's C0+C1 (1537 bytes). A signed C1 gets a signed answer (FP9 scheme, as Flash Media
 * Server and nginx-rtmp do), which librtmp and ffmpeg-as-player verify; a plain C1 gets the simple handshake:
 * version 0 in S1 and C1 echoed as S2.
 */
export function answerHandshake(c0c1: Buffer): Buffer {
  if (c0c1.length !== HANDSHAKE_SIZE + 1) throw new HandshakeRefused("incomplete handshake");
  checkClientVersion(c0c1[0]!);
  const c1 = c0c1.subarray(1);
  const answer = Buffer.allocUnsafe(1 + 2 * HANDSHAKE_SIZE);
  answer[0] = RTMP_VERSION;
  const s1 = answer.subarray(1, 1 + HANDSHAKE_SIZE);
  const s2 = answer.subarray(1 + HANDSHAKE_SIZE);
  randomBytes(HANDSHAKE_SIZE).copy(s1);
  s1.writeUInt32BE(0, 0);
  const client = findClientDigest(c1);
  if (!client) {
    s1.writeUInt32BE(0, 4);
    c1.copy(s2);
    return answer;
  }
  s1.set(SERVER_VERSION, 4);
  const s1Offset = digestOffset(s1, client.scheme);
  packetDigest(s1, s1Offset, SERVER_KEY.subarray(0, 36)).copy(s1, s1Offset);
  randomBytes(HANDSHAKE_SIZE).copy(s2);
  const s2Key = hmac(SERVER_KEY, client.digest);
  hmac(s2Key, s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).copy(s2, HANDSHAKE_SIZE - DIGEST_SIZE);
  return answer;
}
