/**
 * The pages (player.html, switcher.html) as a static site on CloudFront. Built without the API's address, so that the
 * API can name this site (playerUrl, CORS) without a cycle.
 */
export const site = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
});
