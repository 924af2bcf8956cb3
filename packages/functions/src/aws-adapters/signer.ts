import { CloudFrontPlaybackSigner } from "@visionstream/aws";
import { loadSigningKey } from "@visionstream/aws/account-infrastructure";
import { NotFound } from "@visionstream/core";
import type { AdapterFactory } from "./context.ts";
import { secretsClient } from "./secrets-client.ts";

/** CloudFront signed URLs with the account's own key, read from Secrets Manager once per container. */
export const playbackSigner: AdapterFactory<"signer"> = ({ config, repositories }) =>
  new CloudFrontPlaybackSigner(async (accountId) => {
    const account = await repositories.accounts.get(accountId);
    if (!account?.publicKeyId) throw new NotFound("signing key of account", accountId);
    const { privateKey } = await loadSigningKey(secretsClient(config.AWS_REGION), config.VISIONSTREAM_RESOURCE_PREFIX, accountId);
    return { keyPairId: account.publicKeyId, privateKey };
  });
