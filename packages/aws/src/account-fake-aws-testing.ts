import {
  CreateDistributionCommand,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  DeleteDistributionCommand,
  DeleteKeyGroupCommand,
  DeleteOriginAccessControlCommand,
  DeletePublicKeyCommand,
  DistributionAlreadyExists,
  DistributionNotDisabled,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetKeyGroupCommand,
  GetOriginAccessControlCommand,
  GetPublicKeyCommand,
  KeyGroupAlreadyExists,
  ListDistributionsCommand,
  ListKeyGroupsCommand,
  ListOriginAccessControlsCommand,
  ListPublicKeysCommand,
  NoSuchDistribution,
  NoSuchOriginAccessControl,
  NoSuchPublicKey,
  NoSuchResource,
  OriginAccessControlInUse,
  PreconditionFailed,
  PublicKeyAlreadyExists,
  PublicKeyInUse,
  ResourceInUse,
  UpdateDistributionCommand,
  type CreateDistributionCommandInput,
  type DistributionConfig,
  type KeyGroupSummary,
  type OriginAccessControlSummary,
  type PublicKeySummary,
} from "@aws-sdk/client-cloudfront";
import { BucketAlreadyOwnedByYou, CreateBucketCommand } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
} from "@aws-sdk/client-secrets-manager";
import {
  cloudfront,
  distribution,
  keyGroup,
  metadata,
  page,
  publicKey,
  s3,
  secrets,
  truncatablePage,
} from "./account-infrastructure-testing.ts";

/** What CloudFront answers for a config: the same, with its defaults filled in and methods in its own order. */
function asCloudFrontAnswers(config: DistributionConfig): DistributionConfig {
  const answered = structuredClone(config);
  answered.Aliases = { Quantity: 0 };
  answered.DefaultRootObject = "";
  for (const origin of answered.Origins?.Items ?? []) {
    Object.assign(origin, { OriginPath: "", CustomHeaders: { Quantity: 0 }, ConnectionAttempts: 3, ConnectionTimeout: 10 });
  }
  for (const behavior of [answered.DefaultCacheBehavior, ...(answered.CacheBehaviors?.Items ?? [])]) {
    behavior?.AllowedMethods?.Items?.reverse();
  }
  return answered;
}

type FakeDistribution = { id: string; config: DistributionConfig; etag: string; status: "Deployed" | "InProgress" };

/**
 * A small stateful stand-in for S3, Secrets Manager and CloudFront, with their duplicate, in-use and precondition
 * answers, that can lose the answer of one create call: the resource exists, but the caller died waiting.
 */
export function fakeAws() {
  const state = {
    buckets: new Set<string>(),
    secrets: new Map<string, { value: string; scheduledForDeletion: boolean }>(),
    publicKeys: [] as PublicKeySummary[],
    keyGroups: [] as KeyGroupSummary[],
    originAccessControls: [] as OriginAccessControlSummary[],
    distributions: [] as FakeDistribution[],
    callerReferences: new Map<string, string>(),
  };
  let lostAnswer: string | undefined;
  const counts = new Map<string, number>();
  /** Ids and ETags are never reused, also after a deletion. */
  const next = (kind: string) => {
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    return `${kind}${counts.get(kind)}`;
  };
  const answer = <T>(commandName: string, result: T): T => {
    if (lostAnswer !== commandName) return result;
    lostAnswer = undefined;
    throw new Error(`Lambda timed out waiting for ${commandName}`);
  };
  const exists = { message: "already exists", ...metadata };
  const missing = { message: "does not exist", ...metadata };
  const etag = () => next("ETAG");
  const summaryOf = (entry: FakeDistribution) =>
    distribution(entry.id, entry.config.Comment ?? "", entry.config.Enabled, entry.status);
  const distributionNamed = (Id: string) => {
    const entry = state.distributions.find((candidate) => candidate.id === Id);
    if (!entry) throw new NoSuchDistribution(missing);
    return entry;
  };
  const checkIfMatch = (expected: string, IfMatch: string | undefined) => {
    if (IfMatch !== expected) throw new PreconditionFailed({ message: "ETag does not match", ...metadata });
  };
  const secretNamed = (SecretId: string) => {
    const secret = state.secrets.get(SecretId);
    if (!secret) throw new ResourceNotFoundException(missing);
    return secret;
  };
  const markedForDeletion = () => new InvalidRequestException({ message: "marked for deletion", ...metadata });

  s3.onAnyCommand().resolves({});
  s3.on(CreateBucketCommand).callsFake(({ Bucket }: { Bucket: string }) => {
    if (state.buckets.has(Bucket)) throw new BucketAlreadyOwnedByYou(exists);
    state.buckets.add(Bucket);
    return answer("CreateBucket", {});
  });

  // Secrets Manager's ARNs end in six random characters after the name.
  const secretArn = (Name: string) => `arn:aws:secretsmanager:eu-west-1:111122223333:secret:${Name}-AbCdEf`;
  secrets.on(GetSecretValueCommand).callsFake(({ SecretId }: { SecretId: string }) => {
    const secret = secretNamed(SecretId);
    if (secret.scheduledForDeletion) throw markedForDeletion();
    return { ARN: secretArn(SecretId), Name: SecretId, SecretString: secret.value };
  });
  secrets.on(DescribeSecretCommand).callsFake(({ SecretId }: { SecretId: string }) => {
    const secret = secretNamed(SecretId);
    return { Name: SecretId, ...(secret.scheduledForDeletion ? { DeletedDate: new Date(0) } : {}) };
  });
  secrets.on(CreateSecretCommand).callsFake(({ Name, SecretString }: { Name: string; SecretString: string }) => {
    const secret = state.secrets.get(Name);
    if (secret?.scheduledForDeletion) throw markedForDeletion();
    if (secret) throw new ResourceExistsException(exists);
    state.secrets.set(Name, { value: SecretString, scheduledForDeletion: false });
    return answer("CreateSecret", { ARN: secretArn(Name), Name });
  });
  secrets.on(DeleteSecretCommand).callsFake(({ SecretId, ForceDeleteWithoutRecovery }: { SecretId: string; ForceDeleteWithoutRecovery?: boolean }) => {
    const secret = secretNamed(SecretId);
    if (secret.scheduledForDeletion) throw markedForDeletion();
    if (ForceDeleteWithoutRecovery) {
      state.secrets.delete(SecretId);
      return { Name: SecretId };
    }
    secret.scheduledForDeletion = true;
    return { Name: SecretId, DeletionDate: new Date(0) };
  });
  secrets.on(RestoreSecretCommand).callsFake(({ SecretId }: { SecretId: string }) => {
    secretNamed(SecretId).scheduledForDeletion = false;
    return { Name: SecretId };
  });

  cloudfront.on(ListPublicKeysCommand).callsFake(() => ({ PublicKeyList: page(state.publicKeys) }));
  cloudfront.on(CreatePublicKeyCommand).callsFake(({ PublicKeyConfig: { Name, EncodedKey } }) => {
    if (state.publicKeys.some((key) => key.Name === Name)) throw new PublicKeyAlreadyExists(exists);
    const created = publicKey(next("K"), Name, EncodedKey);
    state.publicKeys.push(created);
    return answer("CreatePublicKey", { PublicKey: { Id: created.Id } });
  });
  cloudfront.on(GetPublicKeyCommand).callsFake(({ Id }: { Id: string }) => {
    if (!state.publicKeys.some((key) => key.Id === Id)) throw new NoSuchPublicKey(missing);
    return { ETag: `ETAG-${Id}` };
  });
  cloudfront.on(DeletePublicKeyCommand).callsFake(({ Id, IfMatch }: { Id: string; IfMatch?: string }) => {
    if (!state.publicKeys.some((key) => key.Id === Id)) throw new NoSuchPublicKey(missing);
    checkIfMatch(`ETAG-${Id}`, IfMatch);
    if (state.keyGroups.some((group) => group.KeyGroup?.KeyGroupConfig?.Items?.includes(Id))) {
      throw new PublicKeyInUse({ message: "in a key group", ...metadata });
    }
    state.publicKeys = state.publicKeys.filter((key) => key.Id !== Id);
    return {};
  });

  cloudfront.on(ListKeyGroupsCommand).callsFake(() => ({ KeyGroupList: page(state.keyGroups) }));
  cloudfront.on(CreateKeyGroupCommand).callsFake(({ KeyGroupConfig: { Name, Items } }) => {
    if (state.keyGroups.some((group) => group.KeyGroup?.KeyGroupConfig?.Name === Name)) {
      throw new KeyGroupAlreadyExists(exists);
    }
    const created = keyGroup(next("KG"), Name, Items);
    state.keyGroups.push(created);
    return answer("CreateKeyGroup", { KeyGroup: created.KeyGroup });
  });
  cloudfront.on(GetKeyGroupCommand).callsFake(({ Id }: { Id: string }) => {
    if (!state.keyGroups.some((group) => group.KeyGroup?.Id === Id)) throw new NoSuchResource(missing);
    return { ETag: `ETAG-${Id}` };
  });
  cloudfront.on(DeleteKeyGroupCommand).callsFake(({ Id, IfMatch }: { Id: string; IfMatch?: string }) => {
    if (!state.keyGroups.some((group) => group.KeyGroup?.Id === Id)) throw new NoSuchResource(missing);
    checkIfMatch(`ETAG-${Id}`, IfMatch);
    if (state.distributions.some((entry) => JSON.stringify(entry.config).includes(`"${Id}"`))) {
      throw new ResourceInUse({ message: "trusted by a distribution", ...metadata });
    }
    state.keyGroups = state.keyGroups.filter((group) => group.KeyGroup?.Id !== Id);
    return {};
  });

  cloudfront
    .on(ListOriginAccessControlsCommand)
    .callsFake(() => ({ OriginAccessControlList: truncatablePage(state.originAccessControls) }));
  cloudfront.on(GetOriginAccessControlCommand).callsFake(({ Id }: { Id: string }) => {
    if (!state.originAccessControls.some((control) => control.Id === Id)) throw new NoSuchOriginAccessControl(missing);
    return { ETag: `ETAG-${Id}` };
  });
  cloudfront.on(DeleteOriginAccessControlCommand).callsFake(({ Id, IfMatch }: { Id: string; IfMatch?: string }) => {
    if (!state.originAccessControls.some((control) => control.Id === Id)) throw new NoSuchOriginAccessControl(missing);
    checkIfMatch(`ETAG-${Id}`, IfMatch);
    if (state.distributions.some((entry) => JSON.stringify(entry.config).includes(`"${Id}"`))) {
      throw new OriginAccessControlInUse({ message: "used by a distribution", ...metadata });
    }
    state.originAccessControls = state.originAccessControls.filter((control) => control.Id !== Id);
    return {};
  });

  cloudfront
    .on(ListDistributionsCommand)
    .callsFake(() => ({ DistributionList: truncatablePage(state.distributions.map(summaryOf)) }));
  cloudfront.on(CreateDistributionCommand).callsFake((input: CreateDistributionCommandInput) => {
    const config = input.DistributionConfig;
    if (!config) throw new Error("CreateDistribution without a DistributionConfig");
    const sentBefore = state.callerReferences.get(config.CallerReference ?? "");
    const same = state.distributions.find((entry) => entry.config.CallerReference === config.CallerReference);
    if (sentBefore !== undefined && !(same && sentBefore === JSON.stringify(input))) {
      throw new DistributionAlreadyExists(exists);
    }
    const entry = same ?? { id: next("E"), config, etag: etag(), status: "InProgress" as const };
    if (!same) {
      state.distributions.push(entry);
      state.callerReferences.set(config.CallerReference ?? "", JSON.stringify(input));
    }
    return answer("CreateDistribution", { Distribution: { ...summaryOf(entry), DistributionConfig: entry.config } });
  });
  cloudfront.on(GetDistributionConfigCommand).callsFake(({ Id }: { Id: string }) => {
    const entry = distributionNamed(Id);
    return { DistributionConfig: asCloudFrontAnswers(entry.config), ETag: entry.etag };
  });
  cloudfront.on(GetDistributionCommand).callsFake(({ Id }: { Id: string }) => {
    const entry = distributionNamed(Id);
    return {
      Distribution: { ...summaryOf(entry), DistributionConfig: asCloudFrontAnswers(entry.config) },
      ETag: entry.etag,
    };
  });
  cloudfront.on(UpdateDistributionCommand).callsFake(({ Id, IfMatch, DistributionConfig: config }) => {
    const entry = distributionNamed(Id);
    checkIfMatch(entry.etag, IfMatch);
    Object.assign(entry, { config, etag: etag(), status: "InProgress" });
    return { Distribution: summaryOf(entry), ETag: entry.etag };
  });
  cloudfront.on(DeleteDistributionCommand).callsFake(({ Id, IfMatch }: { Id: string; IfMatch?: string }) => {
    const entry = distributionNamed(Id);
    checkIfMatch(entry.etag, IfMatch);
    if (entry.config.Enabled || entry.status !== "Deployed") {
      throw new DistributionNotDisabled({ message: "not disabled and deployed", ...metadata });
    }
    state.distributions = state.distributions.filter((candidate) => candidate !== entry);
    return {};
  });

  return {
    state,
    loseAnswerOnce(commandName: string) {
      lostAnswer = commandName;
    },
    /** CloudFront finishes deploying every distribution's latest config. */
    deployAll() {
      for (const entry of state.distributions) entry.status = "Deployed";
    },
  };
}
