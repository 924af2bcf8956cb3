import { Busy, Conflict, Forbidden, InvalidArchitecture, InvalidInput, NotFound, Unauthorized } from "@visionstream/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError, type z } from "zod";
import { logger } from "../logger.ts";

export interface ApiError {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ApiError {
  return { error: { code, message, details } };
}

const LOCATIONS: Record<string, string> = { json: "body", param: "path", query: "query", header: "header" };

export function fieldIssues(issues: readonly z.core.$ZodIssue[], target = "json") {
  return issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // An unknown field is named itself, one entry each.
    const fields = issue.code === "unrecognized_keys" ? issue.keys.map((key) => [...path, key || '""'].join(".")) : [path.join(".") || "(body)"];
    return fields.map((field) => ({
      field,
      in: LOCATIONS[target] ?? target,
      message: issue.code === "unrecognized_keys" ? "is not a field of this request" : issue.message,
    }));
  });
}

export function validationError(issues: ReturnType<typeof fieldIssues>): ApiError {
  const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join("; ");
  return errorBody("VALIDATION_FAILED", `invalid request: ${summary}`, { issues });
}

/** A domain error's status, body and headers, or undefined for an error that is not the caller's (a 500). */
export function domainErrorResponse(error: unknown): { status: ContentfulStatusCode; body: ApiError; headers?: Record<string, string> } | undefined {
  if (error instanceof ZodError) return { status: 400, body: validationError(fieldIssues(error.issues)) };
  if (error instanceof InvalidInput) return { status: 400, body: validationError([{ field: error.field, in: error.location, message: error.message }]) };
  if (error instanceof InvalidArchitecture)
    return { status: 400, body: validationError(error.faults.map((fault) => ({ field: fault.path, in: "body", message: fault.message }))) };
  if (error instanceof NotFound) return { status: 404, body: errorBody("NOT_FOUND", error.message, { resource: error.resource, id: error.id }) };
  if (error instanceof Conflict) return { status: 409, body: errorBody("CONFLICT", error.message, error.details) };
  if (error instanceof Forbidden) return { status: 403, body: errorBody("FORBIDDEN", error.message) };
  if (error instanceof Busy) return { status: 503, body: errorBody("BUSY", error.message), headers: { "retry-after": String(error.retryAfterSeconds) } };
  if (error instanceof Unauthorized) return { status: 401, body: errorBody("UNAUTHORIZED", error.message), headers: { "www-authenticate": 'Bearer realm="visionstream"' } };
  return undefined;
}

/** Domain errors map to their status; anything else is a 500, logged with its stack. */
export function toErrorResponse(error: unknown, c: Context): Response {
  const known = domainErrorResponse(error);
  if (known) {
    for (const [name, value] of Object.entries(known.headers ?? {})) c.header(name, value);
    return c.json(known.body, known.status);
  }
  const respond = (status: ContentfulStatusCode, body: ApiError) => c.json(body, status);
  if (error instanceof HTTPException && error.status < 500) {
    const message = error.message || "bad request";
    const code = /json/i.test(message) ? "MALFORMED_BODY" : error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST";
    return respond(error.status as ContentfulStatusCode, errorBody(code, message, { field: "body" }));
  }
  logger.error("request failed", { error: error as Error, path: c.req.path, method: c.req.method });
  return respond(500, errorBody("INTERNAL", "something went wrong on our side; it has been logged"));
}
