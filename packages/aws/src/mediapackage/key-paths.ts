import { normalizeKid } from "@visionstream/core/keys/content-keys";

/**
 * Where a viewer fetches an HLS AES-128 key in AWS: under the channel's playback root (out/v1/<channel group>/<channel>/,
 * what the playback grant signs), so that the key needs the very grant the playlists do. The URI the key server puts
 * into SPEKE's URIExtXKey is root-relative: it resolves against the account distribution that served the playlist, whose
 * domain the key server does not know.
 */
export interface AwsKeyPathOptions {
  /** The stage's MediaPackage v2 channel group. */
  channelGroup: string;
  /** The stage's resource prefix: the packaging channel of channel <id> is <prefix>-<id>. */
  prefix: string;
}

/**
 * The account whose distribution forwards a key request: a custom header of that distribution's key origin, which
 * CloudFront writes over any viewer header of the same name; the key delivery serves only that account's channels.
 */
export const KEY_DELIVERY_ACCOUNT_HEADER = "x-visionstream-account";

/** The CloudFront path pattern of every key of the stage's channels. */
export const keyPathPattern = (channelGroup: string) => `out/v1/${channelGroup}/*/keys/*`;

export const awsKeyUri = ({ channelGroup, prefix }: AwsKeyPathOptions, channelId: string, kid: string) =>
  `/out/v1/${channelGroup}/${prefix}-${channelId}/keys/${normalizeKid(kid)}`;

/** The channel and key id a key path names, or undefined for any other path (another group, another prefix, no key). */
export function parseAwsKeyPath(path: string, { channelGroup, prefix }: AwsKeyPathOptions): { channelId: string; kid: string } | undefined {
  const parts = path.replace(/^\//, "").split("/");
  if (parts.length !== 6) return undefined;
  const [out, v1, group, channel, keys, kid] = parts as [string, string, string, string, string, string];
  if (out !== "out" || v1 !== "v1" || group !== channelGroup || keys !== "keys") return undefined;
  if (!channel.startsWith(`${prefix}-`) || !/^[0-9a-fA-F-]{32,36}$/.test(kid)) return undefined;
  const channelId = channel.slice(prefix.length + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(channelId)) return undefined;
  try {
    return { channelId, kid: normalizeKid(kid) };
  } catch {
    return undefined;
  }
}
