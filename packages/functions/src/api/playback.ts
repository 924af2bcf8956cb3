import { z } from "@hono/zod-openapi";

export const PlaybackQuery = z.object({
  expiresIn: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .optional()
    .openapi({ param: { name: "expiresIn", in: "query" }, description: "Seconds the link stays valid (default 3600)" }),
});

/** A signed link to one file, and the web player ready to play it. */
export const SignedUrl = <K extends string>(idField: K) =>
  z.object({ [idField]: z.string(), url: z.string(), expiresAt: z.string(), playerUrl: z.string() } as Record<K | "url" | "expiresAt" | "playerUrl", z.ZodString>);

/** The answer with a signed link: the link, and the web player ready to play it. */
export const withPlayer = <T extends { url: string }>(pagesUrl: string, signed: T) => ({ ...signed, playerUrl: playerLink(pagesUrl, signed.url) });

/** Where the pages are: the static site in AWS; locally the API's own host, which serves them. */
export interface PagesDeps {
  webBaseUrl?: string | undefined;
}
export const pagesUrl = (deps: PagesDeps, requestUrl: string) => deps.webBaseUrl ?? requestUrl;

/** The web player at `pagesUrl`, ready to play `src` (with `auth` added to every request when given) in `format` (else told by src). */
export function playerLink(pagesUrl: string, src: string, auth?: string, format?: string): string {
  const url = new URL("/player.html", pagesUrl);
  url.searchParams.set("src", src);
  if (auth) url.searchParams.set("auth", auth);
  if (format) url.searchParams.set("format", format);
  return url.toString();
}

/** The switcher's control panel at `pagesUrl` (it knows where the API is); the operator adds #key=<account API key>. */
export function panelLink(pagesUrl: string, switcherId: string): string {
  const url = new URL("/switcher.html", pagesUrl);
  url.searchParams.set("id", switcherId);
  return url.toString();
}
