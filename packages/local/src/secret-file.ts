import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

const isErrno = (error: unknown, code: string) => (error as NodeJS.ErrnoException | undefined)?.code === code;

/**
 * A secret kept in a file of its own (mode 0600), made once: concurrent callers all get the one stored first
 * (written aside, then hard-linked into place, which fails when another got there before).
 */
export async function secretFile(file: string, make: () => string | Promise<string>): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (!isErrno(error, "ENOENT")) throw error;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, await make(), { mode: 0o600, flag: "wx" });
  try {
    await link(temporary, file);
  } catch (error) {
    if (!isErrno(error, "EEXIST")) throw error;
  } finally {
    await unlink(temporary);
  }
  return readFile(file, "utf8");
}
