import {
  CloudFrontClient,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeleteKeyGroupCommand,
  DeletePublicKeyCommand,
  GetKeyGroupCommand,
  GetPublicKeyCommand,
  KeyGroupAlreadyExists,
  ListKeyGroupsCommand,
  ListPublicKeysCommand,
  NoSuchPublicKey,
  NoSuchResource,
  PreconditionFailed,
  PublicKeyAlreadyExists,
  PublicKeyInUse,
  ResourceInUse,
  type KeyGroupSummary,
  type PublicKeySummary,
} from "@aws-sdk/client-cloudfront";
import type { StepResult } from "@visionstream/core/ports";
import type { AccountResourceNames } from "../account-resources.ts";
import { deleteFound, findOrCreate, type Listing, markerPage, required } from "./find-or-create.ts";
import { withinQuotas } from "./quotas.ts";

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

  private publicKeysNamed(Name: string): Listing<PublicKeySummary> {
    return {
      page: async (Marker) => markerPage((await this.cloudfront.send(new ListPublicKeysCommand({ Marker }))).PublicKeyList),
      matches: (key) => key.Name === Name,
    };
  }

  private keyGroupsNamed(Name: string): Listing<KeyGroupSummary> {
    return {
      page: async (Marker) => markerPage((await this.cloudfront.send(new ListKeyGroupsCommand({ Marker }))).KeyGroupList),
      matches: (item) => item.KeyGroup?.KeyGroupConfig?.Name === Name,
    };
  }

  async ensurePublicKey(accountId: string, names: AccountResourceNames, publicKeyPem: string): Promise<string> {
    const Name = names.cloudFrontName;
    const publicKey = await findOrCreate({
      resource: "CloudFront public key",
      name: Name,
      ...this.publicKeysNamed(Name),
      found: (key) => ({ id: key.Id, encodedKey: key.EncodedKey }),
      create: async () => {
        const Comment = `Signed URLs and cookies of VisionStream account ${accountId}`;
        const PublicKeyConfig = { CallerReference: accountId, Name, EncodedKey: publicKeyPem, Comment };
        const { PublicKey } = await withinQuotas(() =>
          this.cloudfront.send(new CreatePublicKeyCommand({ PublicKeyConfig })),
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
      ...this.keyGroupsNamed(Name),
      found: ({ KeyGroup }) => ({ id: KeyGroup?.Id, publicKeyIds: KeyGroup?.KeyGroupConfig?.Items }),
      create: async () => {
        const KeyGroupConfig = { Name, Items: [publicKeyId], Comment: `Signers of VisionStream account ${accountId}` };
        const { KeyGroup } = await withinQuotas(() => this.cloudfront.send(new CreateKeyGroupCommand({ KeyGroupConfig })));
        return { id: KeyGroup?.Id, publicKeyIds: [publicKeyId] };
      },
      isDuplicate: (error) => error instanceof KeyGroupAlreadyExists,
    });
    if (!keyGroup.publicKeyIds?.includes(publicKeyId)) throw new KeyGroupMismatch(Name, publicKeyId);
    return required(keyGroup.id, "CloudFront key group", Name);
  }

  /** Deletes the key group, once no distribution trusts it any more ("pending" until then). */
  releaseKeyGroup(Name: string): Promise<StepResult> {
    return deleteFound({
      ...this.keyGroupsNamed(Name),
      idOf: (item) => item.KeyGroup?.Id,
      etagOf: async (Id) => (await this.cloudfront.send(new GetKeyGroupCommand({ Id }))).ETag,
      remove: (Id, IfMatch) => this.cloudfront.send(new DeleteKeyGroupCommand({ Id, IfMatch })),
      gone: (error) => error instanceof NoSuchResource,
      busy: (error) => error instanceof ResourceInUse || error instanceof PreconditionFailed,
    });
  }

  /** Deletes the public key, once no key group holds it any more ("pending" until then). */
  releasePublicKey(Name: string): Promise<StepResult> {
    return deleteFound({
      ...this.publicKeysNamed(Name),
      idOf: (key) => key.Id,
      etagOf: async (Id) => (await this.cloudfront.send(new GetPublicKeyCommand({ Id }))).ETag,
      remove: (Id, IfMatch) => this.cloudfront.send(new DeletePublicKeyCommand({ Id, IfMatch })),
      gone: (error) => error instanceof NoSuchPublicKey,
      busy: (error) => error instanceof PublicKeyInUse || error instanceof PreconditionFailed,
    });
  }
}

function withoutWhitespace(text: string | undefined): string {
  return (text ?? "").replace(/\s+/g, "");
}
