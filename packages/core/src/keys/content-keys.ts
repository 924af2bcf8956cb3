import { createHmac } from "node:crypto";

/** A content key and its key id (KID), 16 bytes each, as CENC, HLS AES-128 and SPEKE use them. */
export interface ContentKey {
  /** 32 lowercase hex digits (a UUID without its dashes). */
  kid: string;
  key: Buffer;
}

const KID = /^[0-9a-f]{32}$/;

export class InvalidKeyId extends Error {
  override name = "InvalidKeyId";
}

/** A KID written as a UUID (SPEKE, DASH cenc:default_KID) or as hex, as 32 lowercase hex digits. */
export function normalizeKid(kid: string): string {
  const hex = kid.replace(/-/g, "").toLowerCase();
  if (!KID.test(hex)) throw new InvalidKeyId(`not a 16-byte key id: ${kid}`);
  return hex;
}

/** 32 hex digits as a UUID (8-4-4-4-12), how SPEKE and DASH write a KID. */
export const kidAsUuid = (kid: string) => {
  const hex = normalizeKid(kid);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

const hmac = (secret: Buffer, ...parts: string[]) => createHmac("sha256", secret).update(parts.join("\0")).digest();

/**
 * The key of a channel for a key id: derived from the key server's secret, so every call (SPEKE, the CDN's key
 * delivery, the local packager) gives the same key for the same channel and KID without storing it, and a KID asked
 * under another channel gives another key.
 */
export function contentKey(secret: Buffer, channelId: string, kid: string): ContentKey {
  const hex = normalizeKid(kid);
  return { kid: hex, key: hmac(secret, "content-key", channelId, hex).subarray(0, 16) };
}

/** The key period a moment falls in, when keys change every rotationSeconds. */
export const keyPeriod = (at: Date, rotationSeconds: number) => Math.floor(at.getTime() / 1000 / rotationSeconds);

/** The KID our own packager uses for a channel's key period (MediaPackage chooses its own KIDs and asks by SPEKE). */
export function periodKid(secret: Buffer, channelId: string, period: number): string {
  return hmac(secret, "kid", channelId, String(period)).subarray(0, 16).toString("hex");
}

/** The channel's key for a key period. */
export const periodKey = (secret: Buffer, channelId: string, period: number) => contentKey(secret, channelId, periodKid(secret, channelId, period));
