import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/** One HTML file per page at the package root; each becomes `<page>.html` in dist. */
export const pages = ["player", "switcher", "broadcast"] as const;

export default defineConfig({
  root,
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    // hls.js alone is about 560 kB minified; it gets a chunk of its own that every page can share. dash.js (about
    // 830 kB) is imported dynamically, so only DASH and Smooth Streaming viewers download it.
    chunkSizeWarningLimit: 900,
    rolldownOptions: {
      input: Object.fromEntries(pages.map((page) => [page, resolve(root, `${page}.html`)])),
      output: { codeSplitting: { groups: [{ name: "hls", test: /node_modules[\\/]hls\.js/ }] } },
    },
  },
});
