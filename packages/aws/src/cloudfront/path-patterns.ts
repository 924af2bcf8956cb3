/**
 * The live path on an account's distribution: MediaPackage v2 serves every origin endpoint of a channel group under
 * `/out/v1/<channelGroup>/<channel>/<endpoint>/...`, so one behaviour covers every channel of the stage.
 */
export function livePathPattern(channelGroup: string): string {
  return `out/v1/${channelGroup}/*`;
}

/**
 * Whether CloudFront sends a request for this path to the behaviour with this path pattern: `*` matches any run of
 * characters (slashes included), `?` exactly one, everything else itself, case-sensitively; the leading `/` is
 * optional on both sides. https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern
 */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const source = withoutLeadingSlash(pattern)
    .split("")
    .map((character) => {
      if (character === "*") return ".*";
      if (character === "?") return ".";
      return character.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`, "s").test(withoutLeadingSlash(path));
}

function withoutLeadingSlash(text: string): string {
  return text.startsWith("/") ? text.slice(1) : text;
}
