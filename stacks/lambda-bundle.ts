/**
 * How every function is bundled: minified (SST documents it as the default; said here so the bundle is the one
 * bench/bundles measures), with the esbuild plugins of esbuild-plugins.mjs (SST reads the path from sst.config.ts).
 */
export const LAMBDA_BUNDLE = { minify: true, plugins: "stacks/esbuild-plugins.mjs" };
