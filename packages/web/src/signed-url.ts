function parameterName(pair: string): string {
  const name = pair.split("=", 1)[0] ?? "";
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    return name;
  }
}

/**
 * The URL with the parameters of a signature query string (CloudFront's `Policy`, `Signature`, `Hash-Algorithm`,
 * `Key-Pair-Id`, `Expires`) added. Parameters of the same name are replaced, the others kept, and
 * every value is passed on exactly as written: CloudFront compares the signature byte for byte.
 */
export function withAuth(url: string, auth: string): string {
  const added = auth.replace(/^[?&]+/, "").split("&").filter(Boolean);
  if (added.length === 0 || /^(data|blob):/i.test(url)) return url;
  const hashAt = url.indexOf("#");
  const hash = hashAt === -1 ? "" : url.slice(hashAt);
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = beforeHash.indexOf("?");
  const path = queryAt === -1 ? beforeHash : beforeHash.slice(0, queryAt);
  const query = queryAt === -1 ? "" : beforeHash.slice(queryAt + 1);
  const replaced = new Set(added.map(parameterName));
  const kept = query.split("&").filter((pair) => pair !== "" && !replaced.has(parameterName(pair)));
  return `${path}?${[...kept, ...added].join("&")}${hash}`;
}

/** Signs only requests to the stream's own origin, so a signature never leaks to another host. */
export function signerFor(src: string, auth: string): (url: string) => string {
  const base = new URL(src, globalThis.location?.href);
  return (url) => {
    if (!auth) return url;
    try {
      return new URL(url, base).origin === base.origin ? withAuth(url, auth) : url;
    } catch {
      return url;
    }
  };
}
