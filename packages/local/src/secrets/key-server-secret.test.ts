import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalLayout } from "../account-infrastructure.ts";
import { keyServerSecret, keyServerSecretFile } from "./key-server-secret.ts";

describe("key server secret", () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "visionstream-key-secret-"));
  });

  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("is made once: 32 bytes, base64url in <dataDir>/keys/key-server-secret, mode 0600, the same on every call", async () => {
    const layout = new LocalLayout(dataDir);

    const [first, concurrent] = await Promise.all([keyServerSecret(layout), keyServerSecret(layout)]);
    const again = await keyServerSecret(new LocalLayout(dataDir));

    const file = keyServerSecretFile(layout);
    expect(file).toBe(join(dataDir, "keys", "key-server-secret"));
    expect(first).toHaveLength(32);
    expect(concurrent.equals(first)).toBe(true);
    expect(again.equals(first)).toBe(true);
    expect((await readFile(file, "utf8")).trim()).toBe(first.toString("base64url"));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("differs between data directories", async () => {
    const other = await mkdtemp(join(tmpdir(), "visionstream-key-secret-"));
    try {
      const [mine, theirs] = await Promise.all([keyServerSecret(new LocalLayout(dataDir)), keyServerSecret(new LocalLayout(other))]);
      expect(mine.equals(theirs)).toBe(false);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
