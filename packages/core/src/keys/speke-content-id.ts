/**
 * The MediaPackage v2 ResourceId (CPIX@contentId) of a channel's endpoint: `<channelId>[_<endpoint>]`. A module of its
 * own, so that the engine that names it (packages/aws/src/mediapackage) does not load the key server's XML parser.
 */
export function spekeContentId(channelId: string, endpoint?: string): string {
  return [channelId, ...(endpoint ? [endpoint] : [])].join("_");
}
