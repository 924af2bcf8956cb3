import { createPrivateKey, type KeyObject } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import type { PathSignature, PlaybackSigner } from "@visionstream/core";

export interface AccountSigningKey {
  /** The CloudFront public key id: Key-Pair-Id. */
  keyPairId: string;
  privateKey: string;
}

export type SigningKeySource = (accountId: string) => Promise<AccountSigningKey>;

/**
 * The account's private key is not one that crypto can read (PEM, PKCS#1 or PKCS#8, unencrypted), or not a kind of
 * key CloudFront takes (RSA 2048, ECDSA P-256).
 */
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
  /** SHA256 for an ECDSA key (with Hash-Algorithm=SHA256 in what it signs); CloudFront's default, SHA-1, for RSA. */
  algorithm: "SHA256" | undefined;
}


type LibraryPrivateKey = Parameters<typeof getSignedUrl>[0]["privateKey"];
/**
 * getSignedUrl hands its privateKey to crypto's Sign.sign, which takes a parsed KeyObject as well as PEM, though the
 * library's type names only PEM. Parsed once, a signature costs the signing operation alone (PEM parsing took 2/3 of an RSA one);
 * playback-signer.test.ts holds the output to the library's own from the PEM.
 */
const asLibraryKey = (key: KeyObject) => key as unknown as LibraryPrivateKey;

const COOKIE_PARAMETERS = ["Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"] as const;

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
    const loading = this.keys(accountId).then(({ keyPairId, privateKey }) => parsedSigningKey(accountId, keyPairId, privateKey));
    loading.catch(() => {
      if (this.cache.get(accountId) === loading) this.cache.delete(accountId);
    });
    this.cache.set(accountId, loading);
    return loading;
  }

  /**
   * A signed URL, reused while the same one is asked for again: the viewers of a channel all ask for the same policy
   * within the same second, and an RSA signature (an older account's key) costs most of a millisecond.
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
      await this.remembered(accountId, policy, ({ keyPairId, privateKey, algorithm }) =>
        getSignedUrl({ url, keyPairId, privateKey: asLibraryKey(privateKey), policy, algorithm }),
      ),
    );
    // The cookies carry the very Policy, Signature, Key-Pair-Id (and Hash-Algorithm) of the query: one signature serves both.
    const cookies = Object.fromEntries(
      COOKIE_PARAMETERS.filter((name) => signed.searchParams.has(name)).map((name) => [`CloudFront-${name}`, signed.searchParams.get(name)!]),
    );
    return { query: signed.search.slice(1), cookies, expiresAt: expiresAt.toISOString() };
  }

  async signUrl(accountId: string, url: string, expiresAt: Date): Promise<string> {
    // A canned policy counts whole seconds: within one second, the same URL (from the memo: an ECDSA signature differs each time it is made).
    const dateLessThan = new Date(epochSeconds(expiresAt) * 1000).toISOString();
    return this.remembered(accountId, `${url}\n${dateLessThan}`, ({ keyPairId, privateKey, algorithm }) =>
      getSignedUrl({ url, keyPairId, privateKey: asLibraryKey(privateKey), dateLessThan, algorithm }),
    );
  }

  /** Forgets a cached key, parsed form included (after rotation or deprovisioning), and what it signed. */
  forget(accountId: string): void {
    this.cache.delete(accountId);
    for (const memoKey of this.signatures.keys()) if (memoKey.startsWith(`${accountId}\n`)) this.signatures.delete(memoKey);
  }
}

function parsedSigningKey(accountId: string, keyPairId: string, pem: string): ParsedSigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyUnreadable(accountId, { cause: error });
  }
  const { asymmetricKeyType: type } = privateKey;
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  // CloudFront takes RSA 2048 and ECDSA P-256 keys only: another key would sign URLs that CloudFront refuses.
  if (type === "ec" && curve === "prime256v1") return { keyPairId, privateKey, algorithm: "SHA256" };
  if (type === "rsa" && bits === 2048) return { keyPairId, privateKey, algorithm: undefined };
  const kind = `${type}${curve ? ` ${curve}` : ""}${bits ? ` ${bits}-bit` : ""}`;
  throw new SigningKeyUnreadable(accountId, { cause: new Error(`a ${kind} key, where CloudFront takes RSA 2048 or ECDSA P-256`) });
}
