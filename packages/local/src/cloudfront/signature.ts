import { createVerify, type KeyObject } from "node:crypto";
import { ipv4AllowList } from "@visionstream/core/net/ipv4";
import { LRUCache } from "lru-cache";
import { z } from "zod";

const SIGNING_PARAMETERS = new Set(["Expires", "Signature", "Key-Pair-Id", "Policy", "Hash-Algorithm"]);

export type Verdict = { allowed: true } | { allowed: false; reason: "MissingKey" | "InvalidKey" | "AccessDenied"; detail: string };

const EpochCondition = z.object({ "AWS:EpochTime": z.number() });
const Policy = z.object({
  Statement: z
    .array(
      z.object({
        Resource: z.string().optional(),
        Condition: z.object({
          DateLessThan: EpochCondition,
          DateGreaterThan: EpochCondition.optional(),
          IpAddress: z.object({ "AWS:SourceIp": z.string() }).optional(),
        }),
      }),
    )
    .length(1),
});

class MalformedBase64 extends Error {
  override name = "MalformedBase64";
}

/** CloudFront's URL-safe base64 (- for +, _ for =, ~ for /), decoded strictly: only the canonical text of its bytes is accepted. */
function fromCloudFrontBase64(value: string): Buffer {
  const standard = value.replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/");
  const bytes = Buffer.from(standard, "base64");
  if (bytes.toString("base64") !== standard) throw new MalformedBase64("not canonical base64");
  return bytes;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The URL as CloudFront sees it for signing: the requested URL without CloudFront's own query parameters. */
export function resourceOf(requestUrl: string): string {
  const questionMark = requestUrl.indexOf("?");
  if (questionMark < 0) return requestUrl;
  const kept = requestUrl
    .slice(questionMark + 1)
    .split("&")
    .filter((pair) => pair !== "" && !SIGNING_PARAMETERS.has(safeDecode(pair.split("=")[0] ?? "")));
  return kept.length ? `${requestUrl.slice(0, questionMark)}?${kept.join("&")}` : requestUrl.slice(0, questionMark);
}

function wildcardMatches(pattern: string, value: string): boolean {
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${expression}$`, "s").test(value);
}

type Statement = z.infer<typeof Policy>["Statement"][number];
type CheckedPolicy = Statement | "mismatch" | "malformed";

/** Policies already checked, per trusted key: every viewer of a channel presents the very same policy and signature. */
const checkedPolicies = new WeakMap<KeyObject, LRUCache<string, CheckedPolicy>>();
const CHECKED_POLICIES_PER_KEY = 1_000;

/** The policy's statement if the signature over it verifies with the key, or why not. */
function verifiedPolicy(publicKey: string | KeyObject, algorithm: string, policyText: string, signature: Buffer): CheckedPolicy {
  try {
    if (!createVerify(algorithm).update(policyText).verify(publicKey, signature)) return "mismatch";
  } catch {
    return "mismatch";
  }
  try {
    return Policy.parse(JSON.parse(policyText)).Statement[0]!;
  } catch {
    return "malformed";
  }
}

/** verifiedPolicy, remembered per KeyObject (a key given as text is checked every time). */
function checkedPolicy(publicKey: string | KeyObject, algorithm: string, policyText: string, signature: Buffer): CheckedPolicy {
  if (typeof publicKey === "string") return verifiedPolicy(publicKey, algorithm, policyText, signature);
  let memo = checkedPolicies.get(publicKey);
  if (!memo) checkedPolicies.set(publicKey, (memo = new LRUCache({ max: CHECKED_POLICIES_PER_KEY })));
  const memoKey = `${algorithm}\n${signature.toString("base64")}\n${policyText}`;
  const known = memo.get(memoKey);
  if (known) return known;
  const checked = verifiedPolicy(publicKey, algorithm, policyText, signature);
  // Refusals are not kept: junk signatures cost their check each time and never push out the valid ones.
  if (checked !== "mismatch") memo.set(memoKey, checked);
  return checked;
}

export interface SignedRequest {
  url: string;
  query: URLSearchParams;
  cookies: Record<string, string>;
  clientIp: string;
}

/**
 * Checks a request against CloudFront's rules for signed URLs and signed cookies:
 * canned and custom policies, DateLessThan, DateGreaterThan, IpAddress, with the distribution's trusted public keys.
 */
export function verifySignedRequest(
  request: SignedRequest,
  trustedKeys: ReadonlyMap<string, string | KeyObject>,
  now: Date = new Date(),
): Verdict {
  const fromQuery = request.query.has("Signature");
  const get = (name: string) => (fromQuery ? request.query.get(name) : request.cookies[`CloudFront-${name}`]) ?? undefined;
  const signature = get("Signature");
  const keyPairId = get("Key-Pair-Id");
  const encodedPolicy = get("Policy");
  const expires = get("Expires");
  if (!signature || !keyPairId || (!encodedPolicy && !expires))
    return { allowed: false, reason: "MissingKey", detail: "no CloudFront signature in the query string or cookies" };
  const publicKey = trustedKeys.get(keyPairId);
  if (!publicKey) return { allowed: false, reason: "InvalidKey", detail: "the key pair is not trusted by this distribution" };

  const resource = resourceOf(request.url);
  let policyText: string;
  let signatureBytes: Buffer;
  try {
    signatureBytes = fromCloudFrontBase64(signature);
    policyText = encodedPolicy ? fromCloudFrontBase64(encodedPolicy).toString("utf8") : "";
  } catch {
    return { allowed: false, reason: "AccessDenied", detail: "the signature or policy is not valid base64" };
  }
  if (!encodedPolicy) {
    if (!/^\d+$/.test(expires ?? "")) return { allowed: false, reason: "AccessDenied", detail: "Expires is not a number" };
    policyText = JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": Number(expires) } } }] });
  }

  // SHA-1 unless the grant says SHA256; CloudFront knows no other hash, so another value is refused (an ECDSA key's
  // signature presented without its Hash-Algorithm is checked as SHA-1, and fails).
  const hashAlgorithm = get("Hash-Algorithm") ?? "SHA1";
  if (hashAlgorithm !== "SHA1" && hashAlgorithm !== "SHA256") return { allowed: false, reason: "AccessDenied", detail: "Hash-Algorithm is neither SHA1 nor SHA256" };
  const algorithm = hashAlgorithm === "SHA256" ? "RSA-SHA256" : "RSA-SHA1";
  const statement = checkedPolicy(publicKey, algorithm, policyText, signatureBytes);
  if (statement === "mismatch") return { allowed: false, reason: "AccessDenied", detail: "the signature does not match" };
  if (statement === "malformed") return { allowed: false, reason: "AccessDenied", detail: "the policy is malformed" };
  const epoch = Math.floor(now.getTime() / 1000);
  if (statement.Resource !== undefined && !wildcardMatches(statement.Resource, resource))
    return { allowed: false, reason: "AccessDenied", detail: "the policy does not cover this resource" };
  if (epoch >= statement.Condition.DateLessThan["AWS:EpochTime"])
    return { allowed: false, reason: "AccessDenied", detail: "the signature has expired" };
  if (statement.Condition.DateGreaterThan && epoch < statement.Condition.DateGreaterThan["AWS:EpochTime"])
    return { allowed: false, reason: "AccessDenied", detail: "the signature is not valid yet" };
  if (statement.Condition.IpAddress && !ipv4AllowList([statement.Condition.IpAddress["AWS:SourceIp"]])(request.clientIp))
    return { allowed: false, reason: "AccessDenied", detail: "the policy does not allow this address" };
  return { allowed: true };
}
