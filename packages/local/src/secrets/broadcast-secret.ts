import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { LocalLayout } from "../account-infrastructure.ts";
import { secretFile } from "../secret-file.ts";

/** The key of the broadcast tokens (32 bytes): made once, mode 0600, never logged; as Secrets Manager holds the stage's in AWS. */
export async function broadcastSecret(layout: LocalLayout): Promise<Buffer> {
  const text = await secretFile(join(layout.dataDir, "keys", "broadcast-token-secret"), () => `${randomBytes(32).toString("base64url")}\n`);
  return Buffer.from(text.trim(), "base64url");
}
