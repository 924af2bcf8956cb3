// What esbuild-plugins.mjs puts in a bundle in place of a module it leaves out.
export {};
