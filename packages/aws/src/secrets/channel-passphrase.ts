import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { srtPassphraseSecret } from "@visionstream/core/channels/channel";

/** A passphrase MediaLive reads from Secrets Manager, and the ARN an SRT input names it by. */
export interface StoredPassphrase {
  secretArn: string;
  passphrase: string;
}

export class PassphraseSecretMalformed extends Error {
  override name = "PassphraseSecretMalformed";
  constructor(readonly secretName: string) {
    super(`SRT passphrase secret ${secretName} holds no passphrase of 10 to 79 characters, or has no ARN`);
  }
}

/** `<prefix>/accounts/<accountId>/channels/<channelId>/srt-passphrase`: among the account's secrets, as its signing key is. */
export const channelPassphraseSecretName = (prefix: string, accountId: string, channelId: string) =>
  `${prefix}/accounts/${accountId}/${srtPassphraseSecret(channelId)}`;

/**
 * The SRT passphrases of channels, one plaintext secret per channel (MediaLive reads SRT passphrases as plain text, not
 * JSON). Never logged: the value leaves only in the channel's ingest answer.
 */
export class ChannelPassphrases {
  constructor(
    private readonly secrets: SecretsManagerClient,
    private readonly prefix: string,
  ) {}

  /** The channel's stored passphrase, or `candidate` stored now: a creation run again keeps the first one. */
  async ensure(accountId: string, channelId: string, candidate: string, tags: Record<string, string> = {}): Promise<StoredPassphrase> {
    const name = channelPassphraseSecretName(this.prefix, accountId, channelId);
    const stored = await this.read(name);
    if (stored) return stored;
    try {
      const { ARN } = await this.secrets.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: candidate,
          Description: `SRT passphrase of VisionStream channel ${channelId} of account ${accountId} (${this.prefix})`,
          ...(Object.keys(tags).length > 0 && { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }),
        }),
      );
      if (!ARN) throw new PassphraseSecretMalformed(name);
      return { secretArn: ARN, passphrase: candidate };
    } catch (error) {
      // A concurrent creation stored its passphrase first: that one is the channel's.
      if (!(error instanceof ResourceExistsException)) throw error;
      const winner = await this.read(name);
      if (!winner) throw error;
      return winner;
    }
  }

  /** Deleted at once (the channel's input is gone, nothing needs it any more); nothing to do when it is gone or going already. */
  async remove(accountId: string, channelId: string): Promise<void> {
    try {
      await this.secrets.send(
        new DeleteSecretCommand({ SecretId: channelPassphraseSecretName(this.prefix, accountId, channelId), ForceDeleteWithoutRecovery: true }),
      );
    } catch (error) {
      // Secrets Manager answers InvalidRequestException for a secret whose deletion is under way.
      if (!(error instanceof ResourceNotFoundException) && !(error instanceof InvalidRequestException)) throw error;
    }
  }

  private async read(name: string): Promise<StoredPassphrase | undefined> {
    let answer;
    try {
      answer = await this.secrets.send(new GetSecretValueCommand({ SecretId: name }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
    const passphrase = answer.SecretString ?? "";
    if (!answer.ARN || passphrase.length < 10 || passphrase.length > 79) throw new PassphraseSecretMalformed(name);
    return { secretArn: answer.ARN, passphrase };
  }
}
