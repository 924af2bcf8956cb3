/** A CloudFront-style signature that opens every object under one path (custom policy with a wildcard). */
export interface PathSignature {
  /** Append to every playlist and segment URL: Policy=...&Signature=...&Key-Pair-Id=... (and Hash-Algorithm=SHA256 for an ECDSA key) */
  query: string;
  /** The same grant as CloudFront-* cookies, for players that send cookies. */
  cookies: Record<string, string>;
  expiresAt: string;
}

/** Signs viewer access with the account's CDN key pair. */
export interface PlaybackSigner {
  signPath(accountId: string, urlPattern: string, expiresAt: Date): Promise<PathSignature>;
  signUrl(accountId: string, url: string, expiresAt: Date): Promise<string>;
}

/**
 * How long one playback answer is given again to everyone who asks for the same thing: a signature counts whole
 * seconds anyway, and a channel's viewers all ask at once. Its state may be this much older than the channel's.
 */
export const PLAYBACK_ANSWER_TTL_MS = 1_000;
