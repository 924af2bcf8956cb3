import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import { exampleId, ID_SCHEMAS, type IdKind } from "@visionstream/core";
import type { Context } from "hono";

const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "VALIDATION_FAILED" }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorResponse } } });

const errorResponses = {
  400: errorResponse("The request is invalid; details.issues names each field at fault"),
  401: errorResponse("No valid bearer token"),
  403: errorResponse("The token may not do this"),
  404: errorResponse("No such resource"),
  409: errorResponse("The resource is not in a state that allows this"),
} as const;

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { "application/json": { schema } } });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });

/**
 * A route that needs the bearer token (the operator's or an account's key): its method, path, what it takes (path
 * parameters, query, body), its answers by status code and its summary; its errors are answered in one documented shape.
 */
export const securedRoute = <M extends RouteConfig["method"], P extends string, Q extends NonNullable<RouteConfig["request"]>, A extends RouteConfig["responses"]>(
  method: M,
  path: P,
  request: Q,
  responses: A,
  summary: string,
) => createRoute({ method, path, summary, request, responses: { ...responses, ...errorResponses }, security: [{ bearer: [] }] });

/** The answer to a request that leaves nothing to show, once its work is done. */
export async function noContent(c: Context, work: Promise<unknown>) {
  await work;
  return c.body(null, 204);
}

/** The path parameter `<kind>Id`, checked by core's schema of that kind of id. */
export function idParam<K extends IdKind>(kind: K) {
  const name = `${kind}Id` as const;
  // A clone: core's schema may be older than the .openapi() that @hono/zod-openapi adds to zod's new schemas.
  const schema = ID_SCHEMAS[kind].clone().openapi({ param: { name, in: "path" }, example: exampleId(kind) });
  return z.object({ [name]: schema } as Record<`${K}Id`, typeof schema>);
}
