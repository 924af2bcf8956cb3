import type { StepResult } from "@visionstream/core/ports";
import { AccountResourceMissing } from "../account-resources.ts";

export interface Page<T> {
  items: T[] | undefined;
  nextMarker: string | undefined;
}

/** A resource found by walking a CloudFront list, page after page. */
export interface Listing<Summary> {
  page: (marker: string | undefined) => Promise<Page<Summary>>;
  matches: (summary: Summary) => boolean;
}

type List<T> = { Items?: T[] | undefined; NextMarker?: string | undefined; IsTruncated?: boolean | undefined } | undefined;

/** A page of a list that has more while it names a NextMarker. */
export const markerPage = <T>(list: List<T>): Page<T> => ({
  items: list?.Items,
  nextMarker: list?.NextMarker,
});

/** A page of a list that has more only while it says IsTruncated. */
export const truncatedPage = <T>(list: List<T>): Page<T> => ({
  items: list?.Items,
  nextMarker: list?.IsTruncated ? list.NextMarker : undefined,
});

/** Finds the resource, else creates it; when a concurrent duplicate won the race, finds that one. */
export async function findOrCreate<Summary, T>({
  resource,
  name,
  page,
  matches,
  found,
  create,
  isDuplicate,
}: Listing<Summary> & {
  resource: string;
  name: string;
  found: (summary: Summary) => T;
  create: () => Promise<T>;
  isDuplicate: (error: unknown) => boolean;
}): Promise<T> {
  const find = async () => {
    const summary = await findInPages({ page, matches });
    return summary && found(summary);
  };
  const existing = await find();
  if (existing) return existing;
  try {
    return await create();
  } catch (error) {
    if (!isDuplicate(error)) throw error;
    const raced = await find();
    if (raced) return raced;
  }
  throw new AccountResourceMissing(resource, name);
}

export async function findInPages<T>({ page, matches }: Listing<T>): Promise<T | undefined> {
  let marker: string | undefined;
  do {
    const { items, nextMarker } = await page(marker);
    const found = items?.find(matches);
    if (found) return found;
    marker = nextMarker;
  } while (marker);
  return undefined;
}

export function required(value: string | undefined, resource: string, name: string): string {
  if (!value) throw new AccountResourceMissing(resource, name);
  return value;
}

/**
 * Deletes the resource the listing finds, with the ETag its Get answers (CloudFront deletes only with IfMatch): "done"
 * when it is gone or was never there, "pending" while CloudFront refuses it for now (`busy`: still in use, changed
 * meanwhile).
 */
export async function deleteFound<T>({
  idOf,
  etagOf,
  remove,
  gone,
  busy = () => false,
  ...listing
}: Listing<T> & {
  idOf: (found: T) => string | undefined;
  etagOf: (Id: string) => Promise<string | undefined>;
  remove: (Id: string, IfMatch: string | undefined) => Promise<unknown>;
  gone: (error: unknown) => boolean;
  busy?: (error: unknown) => boolean;
}): Promise<StepResult> {
  const found = await findInPages(listing);
  const Id = found && idOf(found);
  if (!Id) return "done";
  try {
    await remove(Id, await etagOf(Id));
    return "done";
  } catch (error) {
    if (gone(error)) return "done";
    if (busy(error)) return "pending";
    throw error;
  }
}
