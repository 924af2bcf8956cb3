import { AccountResourceMissing } from "../account-resources.ts";

/** Finds the resource, else creates it; when a concurrent duplicate won the race, finds that one. */
export async function findOrCreate<T>({
  resource,
  name,
  find,
  create,
  isDuplicate,
}: {
  resource: string;
  name: string;
  find: () => Promise<T | undefined>;
  create: () => Promise<T>;
  isDuplicate: (error: unknown) => boolean;
}): Promise<T> {
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

export async function findInPages<T>(
  page: (marker: string | undefined) => Promise<{ items: T[] | undefined; nextMarker: string | undefined }>,
  matches: (item: T) => boolean,
): Promise<T | undefined> {
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
