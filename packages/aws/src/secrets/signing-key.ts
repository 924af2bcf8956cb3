import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { z } from "zod";
import { AccountResourceMissing } from "../account-resources.ts";
import { generateCloudFrontKeyPair } from "../cloudfront/key-pair.ts";

export const SigningKey = z.object({ privateKey: z.string().min(1), publicKey: z.string().min(1) });
export type SigningKey = z.infer<typeof SigningKey>;

export class SigningKeyNotFound extends Error {
  override name = "SigningKeyNotFound";
  constructor(readonly secretName: string) {
    super(`signing key secret ${secretName} does not exist`);
  }
}

export class SigningKeyMalformed extends Error {
  override name = "SigningKeyMalformed";
  constructor(readonly secretName: string) {
    super(`signing key secret ${secretName} is not JSON with privateKey and publicKey`);
  }
}

/** The CloudFront signing key pair of each account, one secret per account. */
export class SigningKeySecrets {
  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly prefix: string,
  ) {}

  /**
   * Reads the account's key pair, or makes and stores one. A secret still in its recovery window (the account was
   * deleted, then provisioned again) is restored, so the account keeps its key pair.
   */
  async ensure(accountId: string, secretName: string): Promise<SigningKey> {
    const stored = await this.readRestoring(secretName);
    if (stored) return stored;
    const signingKey: SigningKey = await generateCloudFrontKeyPair();
    try {
      await this.secrets.send(
        new CreateSecretCommand({
          Name: secretName,
          SecretString: JSON.stringify(signingKey),
          Description: `CloudFront signing key pair of VisionStream account ${accountId} (${this.prefix})`,
        }),
      );
      return signingKey;
    } catch (error) {
      // A concurrent provisioning stored its key pair first, or the name is a secret scheduled for deletion: use that one.
      const taken =
        error instanceof ResourceExistsException ||
        (error instanceof InvalidRequestException && (await this.deletionState(secretName)) === "scheduled");
      if (!taken) throw error;
      const winner = await this.readRestoring(secretName);
      if (!winner) throw new AccountResourceMissing("secret", secretName);
      return winner;
    }
  }

  /**
   * Schedules the secret for deletion, with Secrets Manager's shortest recovery window (7 days) so that a deletion by
   * mistake can be undone; provisioning again restores it. Sends DeleteSecret only while it is not yet scheduled.
   */
  async delete(secretName: string): Promise<void> {
    if ((await this.deletionState(secretName)) !== "present") return;
    try {
      await this.secrets.send(new DeleteSecretCommand({ SecretId: secretName, RecoveryWindowInDays: 7 }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return;
      // Secrets Manager answers InvalidRequestException for a secret already scheduled for deletion.
      if (error instanceof InvalidRequestException) return;
      throw error;
    }
  }

  private async readRestoring(secretName: string): Promise<SigningKey | undefined> {
    try {
      return await readSigningKey(this.secrets, secretName);
    } catch (error) {
      if (!(error instanceof InvalidRequestException)) throw error;
      if ((await this.deletionState(secretName)) !== "scheduled") throw error;
      await this.secrets.send(new RestoreSecretCommand({ SecretId: secretName }));
      return readSigningKey(this.secrets, secretName);
    }
  }

  private async deletionState(secretName: string): Promise<"present" | "scheduled" | "absent"> {
    try {
      const { DeletedDate } = await this.secrets.send(new DescribeSecretCommand({ SecretId: secretName }));
      return DeletedDate ? "scheduled" : "present";
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return "absent";
      throw error;
    }
  }
}

export async function readSigningKey(
  secrets: SecretsManagerClient,
  secretName: string,
): Promise<SigningKey | undefined> {
  let secretString: string | undefined;
  try {
    ({ SecretString: secretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretName })));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
  try {
    return SigningKey.parse(JSON.parse(secretString ?? ""));
  } catch {
    throw new SigningKeyMalformed(secretName);
  }
}
