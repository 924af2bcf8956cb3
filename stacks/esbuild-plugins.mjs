// esbuild plugins for every Lambda bundle (SST's `nodejs.plugins`; bench/bundles applies the same list).
import { sep } from "node:path";

/**
 * zod exports its error messages in 40-odd languages as `z.locales`, and the namespace object keeps them all in every
 * bundle that imports `{ z }` (Powertools' parser does): 264 kB of a function's code, unused, as VisionStream answers in
 * English, which zod imports apart from them as its default.
 */
const zodWithoutLocales = {
  name: "zod-without-locales",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}node_modules${sep}zod${sep}`) ? { path: "zod-locales", namespace: "zod-without-locales" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "zod-without-locales" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

export default [zodWithoutLocales];
