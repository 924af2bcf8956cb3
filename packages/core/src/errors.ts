export class NotFound extends Error {
  override name = "NotFound";
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} was not found`);
  }
}

export class Conflict extends Error {
  override name = "Conflict";
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class Forbidden extends Error {
  override name = "Forbidden";
}

export class Unauthorized extends Error {
  override name = "Unauthorized";
}

/** Input that passed its schema but is still not acceptable, with the field at fault. */
export class InvalidInput extends Error {
  override name = "InvalidInput";
  constructor(
    readonly field: string,
    message: string,
    readonly location: "body" | "path" | "query" | "header" = "body",
  ) {
    super(`${field}: ${message}`);
  }
}

/** A service behind us is at its limit for now: the request may succeed if repeated after `retryAfterSeconds`. */
export class Busy extends Error {
  override name = "Busy";
  constructor(
    message: string,
    readonly retryAfterSeconds = 2,
  ) {
    super(message);
  }
}
