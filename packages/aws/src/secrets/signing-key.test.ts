import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { SigningKeySecrets, type SigningKey } from "./signing-key.ts";

const secrets = mockClient(SecretsManagerClient);
const secretName = "visionstream-test/accounts/acc-0123456789abcdef/cdn-signing-key";
const accountId = "acc-0123456789abcdef";
const storedKey: SigningKey = { privateKey: "-----BEGIN PRIVATE KEY-----…", publicKey: "-----BEGIN PUBLIC KEY-----…" };
const metadata = { $metadata: {} };
const markedForDeletion = new InvalidRequestException({ message: "marked for deletion", ...metadata });
const notFound = new ResourceNotFoundException({ message: "not found", ...metadata });

function signingKeys() {
  return new SigningKeySecrets(new SecretsManagerClient({ region: "eu-west-1" }), "visionstream-test");
}

beforeEach(() => {
  secrets.reset();
});

describe("SigningKeySecrets.ensure", () => {
  it("restores a secret scheduled for deletion and keeps its key pair", async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(markedForDeletion)
      .resolves({ Name: secretName, SecretString: JSON.stringify(storedKey) });
    secrets.on(DescribeSecretCommand).resolves({ Name: secretName, DeletedDate: new Date(0) });
    secrets.on(RestoreSecretCommand).resolves({ Name: secretName });

    const signingKey = await signingKeys().ensure(accountId, secretName);

    expect(signingKey).toEqual(storedKey);
    expect(secrets).toHaveReceivedCommandWith(RestoreSecretCommand, { SecretId: secretName });
    expect(secrets).toHaveReceivedCommandTimes(CreateSecretCommand, 0);
  });

  it("restores the secret when the name turns out scheduled for deletion only at CreateSecret", async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(notFound)
      .rejectsOnce(markedForDeletion)
      .resolves({ Name: secretName, SecretString: JSON.stringify(storedKey) });
    secrets.on(DescribeSecretCommand).resolves({ Name: secretName, DeletedDate: new Date(0) });
    secrets.on(CreateSecretCommand).rejects(markedForDeletion);
    secrets.on(RestoreSecretCommand).resolves({ Name: secretName });

    const signingKey = await signingKeys().ensure(accountId, secretName);

    expect(signingKey).toEqual(storedKey);
    expect(secrets).toHaveReceivedCommandTimes(RestoreSecretCommand, 1);
  });

  it("passes on an invalid request that is not about a deletion", async () => {
    secrets.on(GetSecretValueCommand).rejects(markedForDeletion);
    secrets.on(DescribeSecretCommand).resolves({ Name: secretName });

    const error = await signingKeys()
      .ensure(accountId, secretName)
      .catch((failure: unknown) => failure);

    expect(error).toBe(markedForDeletion);
    expect(secrets).toHaveReceivedCommandTimes(RestoreSecretCommand, 0);
  });
});

describe("SigningKeySecrets.delete", () => {
  it("schedules the secret for deletion with a 7-day recovery window", async () => {
    secrets.on(DescribeSecretCommand).resolves({ Name: secretName });
    secrets.on(DeleteSecretCommand).resolves({ Name: secretName });

    await signingKeys().delete(secretName);

    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: secretName, RecoveryWindowInDays: 7 });
  });

  it.each([
    ["already scheduled for deletion", () => secrets.on(DescribeSecretCommand).resolves({ DeletedDate: new Date(0) })],
    ["gone", () => secrets.on(DescribeSecretCommand).rejects(notFound)],
  ])("sends no DeleteSecret when the secret is %s", async (_state, given) => {
    given();

    await signingKeys().delete(secretName);

    expect(secrets).toHaveReceivedCommandTimes(DeleteSecretCommand, 0);
  });
});
