import type { paths } from "./api-types.ts";

type Method<Path extends keyof paths> = Exclude<keyof paths[Path], "parameters">;

/** The JSON body of an operation's 200 answer, as the API's OpenAPI document describes it. */
export type Answer<Path extends keyof paths, M extends Method<Path>> = paths[Path][M] extends { responses: { 200: { content: { "application/json": infer Body } } } } ? Body : never;

/** The JSON body an operation takes. */
export type RequestBody<Path extends keyof paths, M extends Method<Path>> = paths[Path][M] extends { requestBody: { content: { "application/json": infer Body } } } ? Body : never;
