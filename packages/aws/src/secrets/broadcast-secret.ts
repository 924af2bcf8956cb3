import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** The broadcast token key is 32 random bytes (core's channels/broadcasts.ts signs and checks tokens with it). */
export const BROADCAST_SECRET_BYTES = 32;

export class BroadcastSecretMalformed extends Error {
  override name = "BroadcastSecretMalformed";
  constructor(readonly secretId: string) {
    super(`broadcast token secret ${secretId} is not ${BROADCAST_SECRET_BYTES} bytes of base64url text`);
  }
}

/**
 * The stage's broadcast token key, stored by the stack (stacks/whip-gateway.ts) as 43 base64url characters. Read by the
 * API, which signs broadcast tokens, and by the WHIP gateway, which checks them; never logged.
 */
export async function readBroadcastSecret(secrets: SecretsManagerClient, secretId: string): Promise<Buffer> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = SecretString?.trim() ?? "";
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(text)) throw new BroadcastSecretMalformed(secretId);
  const secret = Buffer.from(text, "base64url");
  if (secret.length !== BROADCAST_SECRET_BYTES) throw new BroadcastSecretMalformed(secretId);
  return secret;
}
