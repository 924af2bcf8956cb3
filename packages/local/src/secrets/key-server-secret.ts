import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { LocalLayout } from "../account-infrastructure.ts";
import { secretFile } from "../secret-file.ts";

export const keyServerSecretFile = (layout: LocalLayout) => join(layout.dataDir, "keys", "key-server-secret");

/** The key server's secret (32 bytes), from which every content key is derived: made once, mode 0600, never logged. */
export async function keyServerSecret(layout: LocalLayout): Promise<Buffer> {
  const text = await secretFile(keyServerSecretFile(layout), () => `${randomBytes(32).toString("base64url")}\n`);
  return Buffer.from(text.trim(), "base64url");
}
