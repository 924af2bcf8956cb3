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

/** Domain errors map to their status; anything else is a 500, logged with its stack. */
export function toErrorResponse(error: unknown, c: Context): Response {
  const respond = (status: ContentfulStatusCode, body: ApiError) => c.json(body, status);
  if (error instanceof ZodError) return respond(400, validationError(fieldIssues(error.issues)));
  if (error instanceof InvalidInput)
    return respond(400, validationError([{ field: error.field, in: error.location, message: error.message }]));
  if (error instanceof InvalidArchitecture)
    return respond(
      400,
      validationError(error.faults.map((fault) => ({ field: fault.path, in: "body", message: fault.message }))),
    );
  if (error instanceof NotFound)
    return respond(404, errorBody("NOT_FOUND", error.message, { resource: error.resource, id: error.id }));
  if (error instanceof Conflict) return respond(409, errorBody("CONFLICT", error.message, error.details));
  if (error instanceof Forbidden) return respond(403, errorBody("FORBIDDEN", error.message));
  if (error instanceof Busy) {
    c.header("retry-after", String(error.retryAfterSeconds));
    return respond(503, errorBody("BUSY", error.message));
  }
  if (error instanceof Unauthorized) {
    c.header("www-authenticate", 'Bearer realm="visionstream"');
    return respond(401, errorBody("UNAUTHORIZED", error.message));
  }
  if (error instanceof HTTPException && error.status < 500) {
    const message = error.message || "bad request";
    const code = /json/i.test(message) ? "MALFORMED_BODY" : error.status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : "BAD_REQUEST";
    return respond(error.status as ContentfulStatusCode, errorBody(code, message, { field: "body" }));
  }
  logger.error("request failed", { error: error as Error, path: c.req.path, method: c.req.method });
  return respond(500, errorBody("INTERNAL", "something went wrong on our side; it has been logged"));
}
