import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** The execArgv that runs our TypeScript in a child process as the runtime runs it: through tsx's loader. */
export const TSX_EXEC_ARGV: readonly string[] = ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href];
