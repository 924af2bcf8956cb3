/** A place in a request: a member name, a list index, or a map key. */
export type Segment = string | number | { key: string };

export interface Problem {
  path: string;
  message: string;
}

/** What one request's check found: its problems, and what it accepted on other grounds than the model (counted notes). */
export interface Validation {
  problems: Problem[];
  notes: string[];
}

export const pathOf = (segments: readonly Segment[]): string =>
  segments
    .map((segment, index) =>
      typeof segment === "number" ? `[${segment}]`
      : typeof segment === "object" ? `{${segment.key}}`
      : index === 0 ? segment
      : `.${segment}`,
    )
    .join("") || "(input)";

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);

/** What a value is, for a message that never shows a sensitive value. */
export const kindOf = (value: unknown): string =>
  value === null ? "null"
  : value === undefined ? "nothing"
  : Array.isArray(value) ? "a list"
  : value instanceof Date ? "a Date"
  : value instanceof Uint8Array ? "bytes"
  : typeof value === "object" ? "an object"
  : `a ${typeof value}`;

export const shown = (value: unknown, sensitive = false): string => {
  if (sensitive) return "(sensitive value)";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

const isStream = (value: unknown) =>
  typeof value === "object" && value !== null && (typeof (value as { pipe?: unknown }).pipe === "function" || typeof (value as { getReader?: unknown }).getReader === "function");

/** A streaming blob (S3's Body): what the SDK accepts for one. */
export const isStreamingBlob = (value: unknown) => typeof value === "string" || value instanceof Uint8Array || (typeof Blob !== "undefined" && value instanceof Blob) || isStream(value);
