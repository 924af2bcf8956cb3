import {
  CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  KeyGroupAlreadyExists,
  ListKeyGroupsCommand,
  ListPublicKeysCommand,
  PublicKeyAlreadyExists,
} from "@aws-sdk/client-cloudfront";
import type { AccountResourceNames } from "../account-resources.ts";
import { findInPages, findOrCreate, required } from "./find-or-create.ts";

/** The CloudFront public key of this name holds another key than the one in the account's secret. */
export class SigningKeyMismatch extends Error {
  override name = "SigningKeyMismatch";
  constructor(
    readonly publicKeyName: string,
    readonly secretName: string,
  ) {
    super(`CloudFront public key ${publicKeyName} does not match the public key in secret ${secretName}`);
  }
}

/** The key group of this name does not contain the account's public key. */
export class KeyGroupMismatch extends Error {
  override name = "KeyGroupMismatch";
  constructor(
    readonly keyGroupName: string,
    readonly publicKeyId: string,
  ) {
    super(`CloudFront key group ${keyGroupName} does not contain public key ${publicKeyId}`);
  }
}

/** Each account's CloudFront public key and the key group that trusts it for signed URLs and cookies. */
export class AccountSigners {
  constructor(private readonly cloudfront: CloudFrontClient) {}

  async ensurePublicKey(accountId: string, names: AccountResourceNames, publicKeyPem: string): Promise<string> {
    const Name = names.cloudFrontName;
    const publicKey = await findOrCreate({
      resource: "CloudFront public key",
      name: Name,
      find: async () => {
        const summary = await findInPages(
          async (Marker) => {
            const { PublicKeyList: list } = await this.cloudfront.send(new ListPublicKeysCommand({ Marker }));
            return { items: list?.Items, nextMarker: list?.NextMarker };
          },
          (key) => key.Name === Name,
        );
        return summary && { id: summary.Id, encodedKey: summary.EncodedKey };
      },
      create: async () => {
        const { PublicKey } = await this.cloudfront.send(
          new CreatePublicKeyCommand({
            PublicKeyConfig: {
              CallerReference: accountId,
              Name,
              EncodedKey: publicKeyPem,
              Comment: `Signed URLs and cookies of VisionStream account ${accountId}`,
            },
          }),
        );
        return { id: PublicKey?.Id, encodedKey: publicKeyPem };
      },
      isDuplicate: (error) => error instanceof PublicKeyAlreadyExists,
    });
    if (withoutWhitespace(publicKey.encodedKey) !== withoutWhitespace(publicKeyPem)) {
      throw new SigningKeyMismatch(Name, names.secretName);
    }
    return required(publicKey.id, "CloudFront public key", Name);
  }

  async ensureKeyGroup(accountId: string, Name: string, publicKeyId: string): Promise<string> {
    const keyGroup = await findOrCreate({
      resource: "CloudFront key group",
      name: Name,
      find: async () => {
        const summary = await findInPages(
          async (Marker) => {
            const { KeyGroupList: list } = await this.cloudfront.send(new ListKeyGroupsCommand({ Marker }));
            return { items: list?.Items, nextMarker: list?.NextMarker };
          },
          (item) => item.KeyGroup?.KeyGroupConfig?.Name === Name,
        );
        return summary && { id: summary.KeyGroup?.Id, publicKeyIds: summary.KeyGroup?.KeyGroupConfig?.Items };
      },
      create: async () => {
        const { KeyGroup } = await this.cloudfront.send(
          new CreateKeyGroupCommand({
            KeyGroupConfig: {
              Name,
              Items: [publicKeyId],
              Comment: `Signers of VisionStream account ${accountId}`,
            },
          }),
        );
        return { id: KeyGroup?.Id, publicKeyIds: [publicKeyId] };
      },
      isDuplicate: (error) => error instanceof KeyGroupAlreadyExists,
    });
    if (!keyGroup.publicKeyIds?.includes(publicKeyId)) throw new KeyGroupMismatch(Name, publicKeyId);
    return required(keyGroup.id, "CloudFront key group", Name);
  }
}

function withoutWhitespace(text: string | undefined): string {
  return (text ?? "").replace(/\s+/g, "");
}
