import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { ChannelPassphrases, PassphraseSecretMalformed } from "./channel-passphrase.ts";

const secrets = mockClient(SecretsManagerClient);
const accountId = "acc-0123456789abcdef";
const channelId = "ch-0123456789abcdef";
const secretName = `visionstream-test/accounts/${accountId}/channels/${channelId}/srt-passphrase`;
const secretArn = `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${secretName}-AbCdEf`;
const metadata = { $metadata: {} };
const notFound = () => new ResourceNotFoundException({ message: "not found", ...metadata });
const passphrases = () => new ChannelPassphrases(new SecretsManagerClient({ region: "eu-west-1" }), "visionstream-test");

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

beforeEach(() => {
  secrets.reset();
});

describe("ChannelPassphrases.ensure", () => {
  it("stores the candidate as plain text under the account's secrets and answers its ARN", async () => {
    secrets.on(GetSecretValueCommand).rejects(notFound());
    secrets.on(CreateSecretCommand).resolves({ ARN: secretArn, Name: secretName });

    const stored = await passphrases().ensure(accountId, channelId, "a-fresh-passphrase-0123");

    expect(stored).toEqual({ secretArn, passphrase: "a-fresh-passphrase-0123" });
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, { Name: secretName, SecretString: "a-fresh-passphrase-0123" });
  });

  it("answers the passphrase a concurrent creation stored first", async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(notFound())
      .resolves({ ARN: secretArn, Name: secretName, SecretString: "stored-by-the-other-one" });
    secrets.on(CreateSecretCommand).rejects(new ResourceExistsException({ message: "exists", ...metadata }));

    const stored = await passphrases().ensure(accountId, channelId, "lost-the-race-0123");

    expect(stored).toEqual({ secretArn, passphrase: "stored-by-the-other-one" });
  });

  it("refuses a stored value SRT cannot take, naming the secret but not its value", async () => {
    secrets.on(GetSecretValueCommand).resolves({ ARN: secretArn, Name: secretName, SecretString: "short" });

    const error = await failure(passphrases().ensure(accountId, channelId, "never-used-0123"));

    expect(error).toBeInstanceOf(PassphraseSecretMalformed);
    expect((error as Error).message).toContain(secretName);
    expect((error as Error).message).not.toContain("short");
    expect(secrets).not.toHaveReceivedCommand(CreateSecretCommand);
  });
});

describe("ChannelPassphrases.remove", () => {
  it("deletes the secret without a recovery window", async () => {
    secrets.on(DeleteSecretCommand).resolves({ Name: secretName });

    await passphrases().remove(accountId, channelId);

    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: secretName, ForceDeleteWithoutRecovery: true });
  });

  it.each([
    ["gone", notFound()],
    ["being deleted", new InvalidRequestException({ message: "marked for deletion", ...metadata })],
  ])("is done when the secret is %s", async (_state, answer) => {
    secrets.on(DeleteSecretCommand).rejects(answer);

    await passphrases().remove(accountId, channelId);

    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 1);
  });
});
