import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** The key server's secret is 32 random bytes; every content key is derived from it (core's keys/content-keys.ts). */
export const KEY_SERVER_SECRET_BYTES = 32;

export class KeyServerSecretMalformed extends Error {
  override name = "KeyServerSecretMalformed";
  constructor(readonly secretId: string) {
    super(`key server secret ${secretId} is not ${KEY_SERVER_SECRET_BYTES} bytes of base64url text`);
  }
}

/**
 * The stage's key server secret, stored by the stack (stacks/key-server.ts) as base64url text, like the local
 * `<dataDir>/keys/key-server-secret`. Read once per container by whoever holds it: the value never leaves this function
 * but as bytes, and is never logged.
 */
export async function readKeyServerSecret(secrets: SecretsManagerClient, secretId: string): Promise<Buffer> {
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const text = SecretString?.trim() ?? "";
  if (!/^[A-Za-z0-9_-]{43}={0,1}$/.test(text)) throw new KeyServerSecretMalformed(secretId);
  const secret = Buffer.from(text, "base64url");
  if (secret.length !== KEY_SERVER_SECRET_BYTES) throw new KeyServerSecretMalformed(secretId);
  return secret;
}
