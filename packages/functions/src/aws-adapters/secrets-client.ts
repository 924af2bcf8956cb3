import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

let client: SecretsManagerClient | undefined;

/** One Secrets Manager client per container, whichever adapters read secrets. */
export const secretsClient = (region: string) => (client ??= new SecretsManagerClient({ region }));
