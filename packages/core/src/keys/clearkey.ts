import { z } from "zod";
import type { ContentKey } from "./content-keys.ts";

/** A W3C ClearKey license request or answer was not what the format allows: the message names the field at fault. */
export class InvalidClearKeyRequest extends Error {
  override name = "InvalidClearKeyRequest";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A player asks for the keys of one init segment: a handful of KIDs, never hundreds. */
export const MAX_CLEARKEY_KIDS = 16;

/** A 16-byte KID in base64url, as EME writes it (no padding; padding tolerated). */
const B64URL_KID = /^[A-Za-z0-9_-]{22}(==)?$/;

const ClearKeyRequest = z.object({
  kids: z
    .array(
      z
        .string()
        .regex(B64URL_KID, "not a 16-byte key id in base64url")
        .refine((kid) => Buffer.from(kid, "base64url").toString("base64url") === kid.replace(/=+$/, ""), "not canonical base64url"),
    )
    .min(1, "at least one key id")
    .max(MAX_CLEARKEY_KIDS, `at most ${MAX_CLEARKEY_KIDS} key ids`),
  // Only temporary sessions: nothing of ours is meant to be kept by the browser.
  type: z.literal("temporary", { error: 'only "temporary" sessions are offered' }).default("temporary"),
});

export interface ClearKeyLicense {
  keys: { kty: "oct"; kid: string; k: string }[];
  type: "temporary";
}

/** The KIDs (32 lowercase hex digits each, without repeats) of a ClearKey license request's JSON text. */
export function parseClearKeyRequest(body: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new InvalidClearKeyRequest("body", "not JSON");
  }
  const parsed = ClearKeyRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.map((part, index) => (typeof part === "number" ? `[${part}]` : `${index ? "." : ""}${String(part)}`)).join("") : "body";
    throw new InvalidClearKeyRequest(field, issue.message);
  }
  return [...new Set(parsed.data.kids.map((kid) => Buffer.from(kid, "base64url").toString("hex")))];
}

/** The ClearKey answer (JWK set) for a request's JSON text, with the key of each KID from `keyFor`. */
export function clearKeyLicense(body: string, keyFor: (kidHex: string) => ContentKey): ClearKeyLicense {
  return {
    keys: parseClearKeyRequest(body).map((kid) => {
      const { key } = keyFor(kid);
      return { kty: "oct", kid: Buffer.from(kid, "hex").toString("base64url"), k: key.toString("base64url") };
    }),
    type: "temporary",
  };
}
