import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const PREFIX = "vs_";

export function newApiKey(): string {
  return PREFIX + randomBytes(32).toString("base64url");
}

/** API keys carry 256 random bits, so one SHA-256 is enough to store them safely. */
export function hashApiKey(apiKey: string): string {
  return createHash("sha256").update(apiKey).digest("hex");
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(PREFIX) && token.length === PREFIX.length + 43;
}

export function sameSecret(a: string, b: string): boolean {
  const left = createHash("sha256").update(a).digest();
  const right = createHash("sha256").update(b).digest();
  return timingSafeEqual(left, right);
}
