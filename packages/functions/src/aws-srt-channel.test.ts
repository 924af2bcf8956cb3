import { CreateChannelCommand, CreateInputCommand, DeleteInputCommand } from "@aws-sdk/client-medialive";
import { CreateSecretCommand, DeleteSecretCommand } from "@aws-sdk/client-secrets-manager";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import "aws-sdk-client-mock-vitest/extend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsPlatform, medialive, prefix, secrets, type AwsPlatform } from "./aws-platform-testing.ts";

const TABLE = "aws-srt-channel";

let tables: TestTables;
let platform: AwsPlatform;
let accountId: string;
let apiKey: string;

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  platform = awsPlatform(tables, TABLE);
  ({ accountId, apiKey } = await platform.signUp("srt crew"));
});
afterAll(() => tables.close());

const passphraseSecret = (channelId: string) => `${prefix}/accounts/${accountId}/channels/${channelId}/srt-passphrase`;

describe("an SRT channel in AWS, through the API", () => {
  let channelId: string;

  it("keeps the passphrase as the account's secret, creates the listener input decrypting with it, and answers srt:// endpoints with it", async () => {
    const created = await platform.call("POST", "/channels", apiKey, {
      name: "Field encoder",
      inputType: "SRT_LISTENER",
      redundancy: "STANDARD",
      allowCidrs: ["198.51.100.0/24"],
    });

    expect(created.status, JSON.stringify(created.body)).toBe(201);
    channelId = created.body.channel.id;
    const { ingest } = created.body.channel as { ingest: { url: string; passphrase: string }[] };
    const passphrase = ingest[0]!.passphrase;
    expect(ingest).toEqual([
      { url: expect.stringMatching(/^srt:\/\/203\.0\.113\.\d+:5000$/), passphrase: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/) },
      { url: ingest[0]!.url, passphrase },
    ]);
    expect(platform.cdn.state.secrets.get(passphraseSecret(channelId))?.value).toBe(passphrase);
    expect(secrets).toHaveReceivedCommandWith(CreateSecretCommand, { Name: passphraseSecret(channelId), SecretString: passphrase });
    expect(medialive).toHaveReceivedCommandWith(CreateInputCommand, {
      Type: "SRT_LISTENER",
      SrtSettings: {
        SrtListenerSettings: {
          Decryption: { Algorithm: "AES128", PassphraseSecretArn: `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${passphraseSecret(channelId)}-AbCdEf` },
          MinimumLatency: 1000,
        },
      },
    });
    expect(medialive).toHaveReceivedCommandWith(CreateChannelCommand, {
      ChannelClass: "STANDARD",
      InputSpecification: { Codec: "AVC", Resolution: "HD", MaximumBitrate: "MAX_20_MBPS" },
    });
    expect(platform.failures).toEqual([]);
  });

  it("deletes the passphrase with the channel, after its input", async () => {
    const deleting = await platform.call("DELETE", `/channels/${channelId}`, apiKey);
    expect(deleting.status, JSON.stringify(deleting.body)).toBe(202);
    for (let round = 0; round < 10 && (await platform.call("GET", `/channels/${channelId}`, apiKey)).status !== 404; round++) {
      await platform.passTime();
      await platform.sweep();
    }

    expect((await platform.call("GET", `/channels/${channelId}`, apiKey)).status).toBe(404);
    expect(medialive).toHaveReceivedCommand(DeleteInputCommand);
    expect(platform.cdn.state.secrets.has(passphraseSecret(channelId))).toBe(false);
    expect(secrets).toHaveReceivedCommandWith(DeleteSecretCommand, { SecretId: passphraseSecret(channelId), ForceDeleteWithoutRecovery: true });
    expect(platform.failures).toEqual([]);
  });
});
