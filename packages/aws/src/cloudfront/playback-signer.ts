import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import type { PathSignature, PlaybackSigner } from "@visionstream/core";

export interface AccountSigningKey {
  /** The CloudFront public key id: Key-Pair-Id. */
  keyPairId: string;
  privateKey: string;
}

export type SigningKeySource = (accountId: string) => Promise<AccountSigningKey>;

const COOKIE_PARAMETERS = ["Policy", "Signature", "Key-Pair-Id"] as const;

/** Signed URLs kept for reuse; each serves the requests of one second, so a few per channel and file watched. */
const REMEMBERED_SIGNATURES = 1_024;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Signs with @aws-sdk/cloudfront-signer and the account's key pair, wherever the key is kept. */
export class CloudFrontPlaybackSigner implements PlaybackSigner {
  private readonly cache = new Map<string, Promise<AccountSigningKey>>();
  private readonly signatures = new Map<string, string>();

  constructor(private readonly keys: SigningKeySource) {}

  private key(accountId: string): Promise<AccountSigningKey> {
    let key = this.cache.get(accountId);
    if (!key) {
      key = this.keys(accountId);
      key.catch(() => this.cache.delete(accountId));
      this.cache.set(accountId, key);
    }
    return key;
  }

  /**
   * A signed URL, reused while the same one is asked for again: RSA signing is deterministic and costs about a
   * millisecond and a half, and the viewers of a channel all ask for the same policy within the same second.
   */
  private async remembered(accountId: string, memoKey: string, sign: (key: AccountSigningKey) => string): Promise<string> {
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
    const signed = new URL(await this.remembered(accountId, policy, ({ keyPairId, privateKey }) => getSignedUrl({ url, keyPairId, privateKey, policy })));
    // The cookies carry the very Policy, Signature and Key-Pair-Id of the query: one RSA signature serves both.
    const cookies = Object.fromEntries(COOKIE_PARAMETERS.map((name) => [`CloudFront-${name}`, signed.searchParams.get(name) ?? ""]));
    return { query: signed.search.slice(1), cookies, expiresAt: expiresAt.toISOString() };
  }

  async signUrl(accountId: string, url: string, expiresAt: Date): Promise<string> {
    // A canned policy counts whole seconds: within one second, the same URL.
    const dateLessThan = new Date(epochSeconds(expiresAt) * 1000).toISOString();
    return this.remembered(accountId, `${url}\n${dateLessThan}`, ({ keyPairId, privateKey }) => getSignedUrl({ url, keyPairId, privateKey, dateLessThan }));
  }

  /** Forgets a cached key (after rotation or deprovisioning). */
  forget(accountId: string): void {
    this.cache.delete(accountId);
    for (const memoKey of this.signatures.keys()) if (memoKey.startsWith(`${accountId}\n`)) this.signatures.delete(memoKey);
  }
}
