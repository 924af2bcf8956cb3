import { writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { type ApiDeps, createApi } from "../packages/functions/src/api/app.ts";

export const API_TYPES_FILE = fileURLToPath(new URL("../packages/web/src/api-types.ts", import.meta.url));

const HEADER = "// Generated from the API's /openapi.json by `npm run openapi-types` (scripts/openapi-types.ts): do not edit.\n\n";

/** Serving the document reads no dependency: any call means a route needs one, and the stub says which. */
const unusedDeps = new Proxy({} as ApiDeps, {
  get: (_deps, port) =>
    new Proxy({}, {
      get: (_port, method) => () => {
        throw new Error(`${String(port)}.${String(method)} was called while the OpenAPI document was read`);
      },
    }),
});

export async function openApiDocument(): Promise<OpenAPI3> {
  const response = await createApi(unusedDeps).request("/openapi.json");
  if (!response.ok) throw new Error(`GET /openapi.json answered HTTP ${response.status}`);
  return (await response.json()) as OpenAPI3;
}

/** The web pages' API types: the text of packages/web/src/api-types.ts. */
export async function apiTypes(): Promise<string> {
  const ast = await openapiTS(await openApiDocument(), { silent: true });
  return HEADER + astToString(ast);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await writeFile(API_TYPES_FILE, await apiTypes());
  console.log(`wrote ${API_TYPES_FILE}`);
}
