import { createPrivateKey, type KeyObject } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import type { PathSignature, PlaybackSigner } from "@visionstream/core";

export interface AccountSigningKey {
  /** The CloudFront public key id: Key-Pair-Id. */
  keyPairId: string;
  privateKey: string;
}

export type SigningKeySource = (accountId: string) => Promise<AccountSigningKey>;

/** The account's private key is not one that crypto can read (PEM, PKCS#1 or PKCS#8, unencrypted). */
export class SigningKeyUnreadable extends Error {
  override name = "SigningKeyUnreadable";
  constructor(
    readonly accountId: string,
    options: ErrorOptions,
  ) {
    super(`the CloudFront private key of account ${accountId} cannot be read`, options);
  }
}

interface ParsedSigningKey {
  keyPairId: string;
  privateKey: KeyObject;
}

type LibraryPrivateKey = Parameters<typeof getSignedUrl>[0]["privateKey"];
/**
 * getSignedUrl hands its privateKey to crypto's Sign.sign, which takes a parsed KeyObject as well as PEM, though the
 * library's type names only PEM. Parsed once, a signature costs the RSA operation alone (PEM parsing took 2/3 of it);
 * playback-signer.test.ts holds the output to the library's own from the PEM.
 */
const asLibraryKey = (key: KeyObject) => key as unknown as LibraryPrivateKey;

const COOKIE_PARAMETERS = ["Policy", "Signature", "Key-Pair-Id"] as const;

/** Signed URLs kept for reuse; each serves the requests of one second, so a few per channel and file watched. */
const REMEMBERED_SIGNATURES = 1_024;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Signs with @aws-sdk/cloudfront-signer and the account's key pair, wherever the key is kept. */
export class CloudFrontPlaybackSigner implements PlaybackSigner {
  private readonly cache = new Map<string, Promise<ParsedSigningKey>>();
  private readonly signatures = new Map<string, string>();

  constructor(private readonly keys: SigningKeySource) {}

  private key(accountId: string): Promise<ParsedSigningKey> {
    const cached = this.cache.get(accountId);
    if (cached) return cached;
    const loading = this.keys(accountId).then(({ keyPairId, privateKey }) => ({ keyPairId, privateKey: parsedPrivateKey(accountId, privateKey) }));
    loading.catch(() => {
      if (this.cache.get(accountId) === loading) this.cache.delete(accountId);
    });
    this.cache.set(accountId, loading);
    return loading;
  }

  /**
   * A signed URL, reused while the same one is asked for again: RSA signing is deterministic and costs about a
   * quarter of a millisecond, and the viewers of a channel all ask for the same policy within the same second.
   */
  private async remembered(accountId: string, memoKey: string, sign: (key: ParsedSigningKey) => string): Promise<string> {
    const key = `${accountId}\n${memoKey}`;
    const remembered = this.signatures.get(key);
    if (remembered) return remembered;
    const signed = sign(await this.key(accountId));
    if (this.signatures.size >= REMEMBERED_SIGNATURES) this.signatures.delete(this.signatures.keys().next().value!);
    this.signatures.set(key, signed);
    return signed;
  }

  async signPath(accountId: string, urlPattern: string, expiresAt: Date): Promise<PathSignature> {
    const policy = JSON.stringify({
      Statement: [{ Resource: urlPattern, Condition: { DateLessThan: { "AWS:EpochTime": epochSeconds(expiresAt) } } }],
    });
    const url = urlPattern.replace(/\*/g, "x");
    const signed = new URL(
      await this.remembered(accountId, policy, ({ keyPairId, privateKey }) => getSignedUrl({ url, keyPairId, privateKey: asLibraryKey(privateKey), policy })),
    );
    // The cookies carry the very Policy, Signature and Key-Pair-Id of the query: one RSA signature serves both.
    const cookies = Object.fromEntries(COOKIE_PARAMETERS.map((name) => [`CloudFront-${name}`, signed.searchParams.get(name) ?? ""]));
    return { query: signed.search.slice(1), cookies, expiresAt: expiresAt.toISOString() };
  }

  async signUrl(accountId: string, url: string, expiresAt: Date): Promise<string> {
    // A canned policy counts whole seconds: within one second, the same URL.
    const dateLessThan = new Date(epochSeconds(expiresAt) * 1000).toISOString();
    return this.remembered(accountId, `${url}\n${dateLessThan}`, ({ keyPairId, privateKey }) =>
      getSignedUrl({ url, keyPairId, privateKey: asLibraryKey(privateKey), dateLessThan }),
    );
  }

  /** Forgets a cached key, parsed form included (after rotation or deprovisioning), and what it signed. */
  forget(accountId: string): void {
    this.cache.delete(accountId);
    for (const memoKey of this.signatures.keys()) if (memoKey.startsWith(`${accountId}\n`)) this.signatures.delete(memoKey);
  }
}

function parsedPrivateKey(accountId: string, pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyUnreadable(accountId, { cause: error });
  }
}
