import { originAccessControlName } from "./stage-name.ts";

/**
 * What every channel and every account's distribution of the stage share: the MediaPackage v2 channel group (named
 * after the prefix; each channel is `<prefix>-<channelId>` in it) and one origin access control per origin type. Per
 * account OACs would exhaust CloudFront's 100 per AWS account long before its 200 distributions.
 */
export function liveDelivery(name: string, prefix: string) {
  const channelGroup = new aws.mediapackagev2.ChannelGroup(`${name}ChannelGroup`, {
    name: prefix,
    description: `VisionStream live channels of ${prefix}`,
  });
  const originAccessControl = (origin: "s3" | "mediapackagev2", id: string) =>
    new aws.cloudfront.OriginAccessControl(`${name}${id}OriginAccessControl`, {
      name: originAccessControlName(prefix, origin),
      description: `VisionStream ${prefix}: every account distribution's ${origin} origin`,
      originAccessControlOriginType: origin,
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
  return {
    channelGroup,
    bucketAccess: originAccessControl("s3", "Bucket"),
    packagingAccess: originAccessControl("mediapackagev2", "Packaging"),
  };
}
