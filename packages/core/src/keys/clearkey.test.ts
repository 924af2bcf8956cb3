import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { clearKeyLicense, InvalidClearKeyRequest, MAX_CLEARKEY_KIDS, parseClearKeyRequest } from "./clearkey.ts";
import { contentKey } from "./content-keys.ts";

const secret = randomBytes(32);
const kidA = "0123456789abcdef0123456789abcdef";
const kidB = "fedcba9876543210fedcba9876543210";
const b64 = (hex: string) => Buffer.from(hex, "hex").toString("base64url");

function refusal(body: string): InvalidClearKeyRequest {
  try {
    parseClearKeyRequest(body);
  } catch (error) {
    if (error instanceof InvalidClearKeyRequest) return error;
    throw error;
  }
  throw new Error(`accepted: ${body}`);
}

describe("parseClearKeyRequest", () => {
  it("reads the KIDs of a W3C ClearKey request as hex, padded or not, without repeats", () => {
    const body = JSON.stringify({ kids: [b64(kidA), `${b64(kidB)}==`, b64(kidA)], type: "temporary" });

    const kids = parseClearKeyRequest(body);

    expect(kids).toEqual([kidA, kidB]);
    expect(parseClearKeyRequest(JSON.stringify({ kids: [b64(kidA)] }))).toEqual([kidA]);
  });

  it("refuses a malformed request and names the field", () => {
    const cases: [string, string][] = [
      ["{", "body"],
      ["[]", "body"],
      [JSON.stringify({}), "kids"],
      [JSON.stringify({ kids: [] }), "kids"],
      [JSON.stringify({ kids: ["short"] }), "kids[0]"],
      // standard base64 ('+'), and a last character with bits 16 bytes do not have
      [JSON.stringify({ kids: [b64(kidA), `${"+".repeat(21)}A`] }), "kids[1]"],
      [JSON.stringify({ kids: [`${b64(kidA).slice(0, 21)}B`] }), "kids[0]"],
      [JSON.stringify({ kids: [b64(kidA)], type: "persistent-license" }), "type"],
      [JSON.stringify({ kids: Array.from({ length: MAX_CLEARKEY_KIDS + 1 }, () => b64(kidA)) }), "kids"],
    ];

    for (const [body, field] of cases) {
      const error = refusal(body);
      expect(error.field, body).toBe(field);
      expect(error.message.startsWith(`${field}: `)).toBe(true);
    }
  });
});

describe("clearKeyLicense", () => {
  it("answers a JWK set with the key of each asked KID, in base64url", () => {
    const body = JSON.stringify({ kids: [b64(kidA), b64(kidB)], type: "temporary" });

    const license = clearKeyLicense(body, (kid) => contentKey(secret, "ch1", kid));

    expect(license).toEqual({
      keys: [
        { kty: "oct", kid: b64(kidA), k: contentKey(secret, "ch1", kidA).key.toString("base64url") },
        { kty: "oct", kid: b64(kidB), k: contentKey(secret, "ch1", kidB).key.toString("base64url") },
      ],
      type: "temporary",
    });
    expect(Buffer.from(license.keys[0]!.k, "base64url")).toHaveLength(16);
    expect(license.keys[0]!.k).not.toMatch(/[=+/]/);
  });
});
