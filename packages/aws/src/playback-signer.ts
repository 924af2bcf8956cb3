import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import type { PathSignature, PlaybackSigner } from "@visionstream/core";

export interface AccountSigningKey {
  /** The CloudFront public key id: Key-Pair-Id. */
  keyPairId: string;
  privateKey: string;
}

export type SigningKeySource = (accountId: string) => Promise<AccountSigningKey>;

const COOKIE_PARAMETERS = ["Policy", "Signature", "Key-Pair-Id"] as const;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** Signs with @aws-sdk/cloudfront-signer and the account's key pair, wherever the key is kept. */
export class CloudFrontPlaybackSigner implements PlaybackSigner {
  private readonly cache = new Map<string, Promise<AccountSigningKey>>();

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

  async signPath(accountId: string, urlPattern: string, expiresAt: Date): Promise<PathSignature> {
    const { keyPairId, privateKey } = await this.key(accountId);
    const policy = JSON.stringify({
      Statement: [{ Resource: urlPattern, Condition: { DateLessThan: { "AWS:EpochTime": epochSeconds(expiresAt) } } }],
    });
    const signed = new URL(getSignedUrl({ url: urlPattern.replace(/\*/g, "x"), keyPairId, privateKey, policy }));
    // The cookies carry the very Policy, Signature and Key-Pair-Id of the query: one RSA signature serves both.
    const cookies = Object.fromEntries(COOKIE_PARAMETERS.map((name) => [`CloudFront-${name}`, signed.searchParams.get(name) ?? ""]));
    return { query: signed.search.slice(1), cookies, expiresAt: expiresAt.toISOString() };
  }

  async signUrl(accountId: string, url: string, expiresAt: Date): Promise<string> {
    const { keyPairId, privateKey } = await this.key(accountId);
    return getSignedUrl({ url, keyPairId, privateKey, dateLessThan: expiresAt.toISOString() });
  }

  /** Forgets a cached key (after rotation or deprovisioning). */
  forget(accountId: string): void {
    this.cache.delete(accountId);
  }
}
