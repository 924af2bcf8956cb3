import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidSecretName, resolveSecret, SecretMissing, writeSecret } from "./secrets.ts";

describe("switcher secrets", () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "visionstream-secrets-"));
  });

  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("reads <dataDir>/secrets/<name>, in subdirectories too, without its trailing newline", async () => {
    await mkdir(join(dataDir, "secrets", "switcher", "ingests"), { recursive: true });
    await writeFile(join(dataDir, "secrets", "switcher", "ingests", "camera-1"), "correct horse battery\n");

    await expect(resolveSecret(dataDir, "switcher/ingests/camera-1", {})).resolves.toBe("correct horse battery");
  });

  it("prefers VISIONSTREAM_SECRET_<NAME>, upper case with other characters as _", async () => {
    await writeSecret(dataDir, "switcher/camera-1.pass", "from the file");
    const env = { VISIONSTREAM_SECRET_SWITCHER_CAMERA_1_PASS: "from the environment\n" };

    await expect(resolveSecret(dataDir, "switcher/camera-1.pass", env)).resolves.toBe("from the environment");
  });

  it("writes a secret readable only by its owner, and replaces it", async () => {
    await writeSecret(dataDir, "switcher/live", "first value 123");
    await writeSecret(dataDir, "switcher/live", "second value 456");

    const file = join(dataDir, "secrets", "switcher", "live");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await expect(resolveSecret(dataDir, "switcher/live", {})).resolves.toBe("second value 456");
  });

  it("names the secret and both places looked when it is missing", async () => {
    await writeSecret(dataDir, "other", "not this one");

    const error = await resolveSecret(dataDir, "switcher/preview", {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(SecretMissing);
    expect((error as Error).name).toBe("SecretMissing");
    expect((error as Error).message).toContain('"switcher/preview"');
    expect((error as Error).message).toContain("VISIONSTREAM_SECRET_SWITCHER_PREVIEW");
    expect((error as Error).message).toContain(join(dataDir, "secrets", "switcher", "preview"));
    expect((error as Error).message).not.toContain("not this one");
  });

  it.each(["../outside", "switcher/../../outside", "/etc/passwd", ""])("refuses the name %j", async (name) => {
    await expect(resolveSecret(dataDir, name, {})).rejects.toBeInstanceOf(InvalidSecretName);
    await expect(writeSecret(dataDir, name, "value 1234567")).rejects.toBeInstanceOf(InvalidSecretName);
  });
});
