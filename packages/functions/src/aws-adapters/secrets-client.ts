import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

const clients = new Map<string, SecretsManagerClient>();

/** One Secrets Manager client per container and region, whichever adapters read secrets. */
export function secretsClient(region: string): SecretsManagerClient {
  const client = clients.get(region) ?? new SecretsManagerClient({ region });
  clients.set(region, client);
  return client;
}
