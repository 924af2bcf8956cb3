// esbuild plugins for every Lambda bundle (SST's `nodejs.plugins`; bench/bundles applies the same list).
//
// SST runs them in a bridge of its own (.sst/platform/functions/nodejs-runtime/plugin.mjs): every import is handed to
// every onResolve and onLoad callback, whatever their filter and namespace, so each callback checks for itself, and
// none of them loads: an onLoad would be asked for every file of the bundle.
import { fileURLToPath } from "node:url";

const EMPTY_MODULE = fileURLToPath(new URL("./empty-module.mjs", import.meta.url));
const LAMBDA_CREDENTIALS = fileURLToPath(new URL("./lambda-credentials.mjs", import.meta.url));

/**
 * zod exports its error messages in 40-odd languages as `z.locales`, and the namespace object keeps them all in every
 * bundle that imports `{ z }` (Powertools' parser does): 264 kB of a function's code, unused, as VisionStream answers in
 * English, which zod imports apart from them as its default.
 */
const zodWithoutLocales = {
  name: "zod-without-locales",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) =>
      args.path === "../locales/index.js" && /[\\/]node_modules[\\/]zod[\\/]/.test(args.importer ?? "") ? { path: EMPTY_MODULE } : undefined,
    );
  },
};

/**
 * Every AWS SDK client imports the SDK's default credential chain, and esbuild bundles each link of it: in a bundle
 * with one of the older MediaConnect or MediaPackage v2 clients, twice (their own copies). In Lambda the chain ends at
 * its first link, the role's credentials in the environment (lambda-credentials.mjs says why), so a bundle keeps that
 * link alone, for every copy of the chain.
 */
const lambdaCredentialsOnly = {
  name: "lambda-credentials-only",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => (args.path === "@aws-sdk/credential-provider-node" ? { path: LAMBDA_CREDENTIALS } : undefined));
  },
};

export default [zodWithoutLocales, lambdaCredentialsOnly];
