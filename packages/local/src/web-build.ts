/**
 * Builds the pages with Vite into the directory given, in a process of its own (web.ts starts it): Vite's bundler
 * and CSS minifier are native code whose allocators keep what a build took (about 300 MB) for the life of the process
 * that ran it, and the runtime runs for hours.
 */
import { build } from "vite";
import { z } from "zod";

const Options = z.object({ root: z.string().min(1), configFile: z.string().min(1), outDir: z.string().min(1) });
const { root, configFile, outDir } = Options.parse(JSON.parse(process.argv[2] ?? "{}"));
await build({ root, configFile, logLevel: "warn", build: { outDir, emptyOutDir: true } });
