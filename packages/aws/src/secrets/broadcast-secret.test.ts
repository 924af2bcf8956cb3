import { randomBytes } from "node:crypto";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { BroadcastSecretMalformed, readBroadcastSecret } from "./broadcast-secret.ts";

const secrets = mockClient(SecretsManagerClient);
const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:visionstream-test/broadcast-AbCdEf";
const load = () => readBroadcastSecret(new SecretsManagerClient({ region: "eu-west-1" }), secretArn);

beforeEach(() => {
  secrets.reset();
});

describe("readBroadcastSecret", () => {
  it("reads the 32 bytes stored as base64url text", async () => {
    const secret = randomBytes(32);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secret.toString("base64url") });

    const loaded = await load();

    expect(loaded.equals(secret)).toBe(true);
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: secretArn });
  });

  it("reads the stack's value: 43 letters and digits, which are 32 bytes of base64url", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v" });

    expect(await load()).toHaveLength(32);
  });

  it.each([["too short", "abc"], ["not base64url", "+".repeat(43)], ["none", undefined]])("refuses a secret that is %s, naming the secret but not its value", async (_, SecretString) => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString });

    const loading = load();

    await expect(loading).rejects.toThrow(BroadcastSecretMalformed);
    await expect(loading).rejects.toThrow(secretArn);
  });
});
