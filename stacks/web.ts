import { api } from "./api-gateway.ts";

/**
 * The pages (player.html, switcher.html) as a static site on CloudFront, built with the API's address (the switcher
 * panel calls it there); the functions name this site in playerUrl and panelUrl.
 */
export const site = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
  environment: { VITE_VISIONSTREAM_API_URL: api.url },
});
