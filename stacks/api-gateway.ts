/**
 * The HTTP API's gateway, made before the pages' site (which is built with its address) and the functions (which are
 * given the site's address): the route is added in stacks/api.ts. Any origin may call it from a browser: requests
 * carry a bearer token, never cookies, so CORS grants nothing a page could not do anyway.
 */
export const api = new sst.aws.ApiGatewayV2("Api", {
  cors: { allowOrigins: ["*"], allowHeaders: ["authorization", "content-type"], allowMethods: ["*"] },
});
