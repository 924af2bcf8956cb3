import {
  CloudFrontClient,
  CreateDistributionCommand,
  DeleteDistributionCommand,
  DeleteOriginAccessControlCommand,
  DistributionAlreadyExists,
  DistributionNotDisabled,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetOriginAccessControlCommand,
  ListDistributionsCommand,
  ListOriginAccessControlsCommand,
  NoSuchDistribution,
  NoSuchOriginAccessControl,
  PreconditionFailed,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import type { StepResult } from "@visionstream/core/ports";
import { hasEverySetting, type AccountDistributionConfig } from "./distribution-config.ts";
import { deleteFound, findInPages, required, truncatedPage } from "./find-or-create.ts";
import { withinQuotas } from "./quotas.ts";

export type Distribution = { id: string; arn: string; domainName: string };

/** Each account's distribution, found by its comment, which names the stage and the account. */
export class AccountDistributions {
  constructor(private readonly cloudfront: CloudFrontClient) {}

  /**
   * Creates the distribution, or brings the one that exists to this config (distributions made before the live
   * origin, or changed by hand). CloudFront may refuse the CallerReference of a deleted distribution: a distribution
   * provisioned again after a deletion then gets a fresh one.
   */
  async ensure(config: AccountDistributionConfig): Promise<Distribution> {
    const existing = await this.find(config.Comment);
    if (existing) return this.converge(existing, config);
    try {
      return await this.create(config);
    } catch (error) {
      if (!(error instanceof DistributionAlreadyExists)) throw error;
      const raced = await this.find(config.Comment);
      if (raced) return this.converge(raced, config);
      return this.create({ ...config, CallerReference: `${config.CallerReference}-${Date.now().toString(36)}` });
    }
  }

  /**
   * One step of deleting the distribution: disable it, wait (the caller comes back) until CloudFront has deployed the
   * disabled config, then delete it. "done" once it is gone.
   */
  async release(comment: string): Promise<StepResult> {
    const summary = await this.find(comment);
    if (!summary) return "done";
    const Id = required(summary.Id, "CloudFront distribution", comment);
    try {
      const { Distribution: distribution, ETag } = await this.cloudfront.send(new GetDistributionCommand({ Id }));
      const config = distribution?.DistributionConfig;
      if (config?.Enabled) {
        await this.cloudfront.send(
          new UpdateDistributionCommand({ Id, IfMatch: ETag, DistributionConfig: { ...config, Enabled: false } }),
        );
        return "pending";
      }
      if (distribution?.Status !== "Deployed") return "pending";
      await this.cloudfront.send(new DeleteDistributionCommand({ Id, IfMatch: ETag }));
      return "done";
    } catch (error) {
      if (error instanceof NoSuchDistribution) return "done";
      // Someone changed it meanwhile, or CloudFront has not yet taken the disabled config: the next step retries.
      if (error instanceof PreconditionFailed || error instanceof DistributionNotDisabled) return "pending";
      throw error;
    }
  }

  /**
   * Deletes the origin access control that provisioning gave each account before the stage shared one; accounts made
   * since have none of their own. Done when there is none, once no distribution uses it.
   */
  async releaseOwnOriginAccessControl(name: string): Promise<void> {
    await deleteFound({
      page: async (Marker) =>
        truncatedPage((await this.cloudfront.send(new ListOriginAccessControlsCommand({ Marker }))).OriginAccessControlList),
      matches: (summary) => summary.Name === name,
      idOf: (summary) => summary.Id,
      etagOf: async (Id) => (await this.cloudfront.send(new GetOriginAccessControlCommand({ Id }))).ETag,
      remove: (Id, IfMatch) => this.cloudfront.send(new DeleteOriginAccessControlCommand({ Id, IfMatch })),
      gone: (error) => error instanceof NoSuchOriginAccessControl,
    });
  }

  private async create(config: AccountDistributionConfig): Promise<Distribution> {
    const { Distribution: created } = await withinQuotas(() =>
      this.cloudfront.send(new CreateDistributionCommand({ DistributionConfig: config })),
    );
    return toDistribution(created, config.Comment);
  }

  private async converge(
    found: { Id?: string | undefined; ARN?: string | undefined; DomainName?: string | undefined },
    wanted: AccountDistributionConfig,
  ): Promise<Distribution> {
    const distribution = toDistribution(found, wanted.Comment);
    const Id = distribution.id;
    const { DistributionConfig: current, ETag } = await this.cloudfront.send(new GetDistributionConfigCommand({ Id }));
    const target = { ...current, ...wanted, CallerReference: current?.CallerReference ?? wanted.CallerReference };
    if (current && hasEverySetting(current, target)) return distribution;
    await withinQuotas(() =>
      this.cloudfront.send(new UpdateDistributionCommand({ Id, IfMatch: ETag, DistributionConfig: target })),
    );
    return distribution;
  }

  private find(comment: string) {
    return findInPages({
      page: async (Marker) =>
        truncatedPage((await this.cloudfront.send(new ListDistributionsCommand({ Marker }))).DistributionList),
      matches: (distribution) => distribution.Comment === comment,
    });
  }
}

function toDistribution(
  found: { Id?: string | undefined; ARN?: string | undefined; DomainName?: string | undefined } | undefined,
  comment: string,
): Distribution {
  return {
    id: required(found?.Id, "CloudFront distribution", comment),
    arn: required(found?.ARN, "CloudFront distribution", comment),
    domainName: required(found?.DomainName, "CloudFront distribution", comment),
  };
}
