import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export class SecretMissing extends Error {
  name = "SecretMissing";
}

export class InvalidSecretName extends Error {
  name = "InvalidSecretName";
}

/** Every account has a namespace of its own: a switcher's file names its secrets within its account's. */
export const accountSecret = (accountId: string, name: string) => `accounts/${accountId}/${name}`;

export const secretVariable = (name: string) => `VISIONSTREAM_SECRET_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

function secretPath(dataDir: string, name: string) {
  if (name === "" || name.startsWith("/") || name.split(/[/\\]/).includes("..")) {
    throw new InvalidSecretName(`secret name "${name}" must be a relative path without ".." segments`);
  }
  return join(dataDir, "secrets", name);
}

const withoutTrailingNewline = (value: string) => value.replace(/\r?\n$/, "");

/** The environment variable wins over the file, so a deployment can override a stored secret without touching disk. */
export async function resolveSecret(dataDir: string, name: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = secretPath(dataDir, name);
  const variable = secretVariable(name);
  const fromEnv = env[variable];
  if (fromEnv !== undefined && fromEnv !== "") return withoutTrailingNewline(fromEnv);
  try {
    return withoutTrailingNewline(await readFile(file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new SecretMissing(`secret "${name}" is missing: neither the environment variable ${variable} nor the file ${file} is set`);
  }
}

export async function writeSecret(dataDir: string, name: string, value: string): Promise<void> {
  const file = secretPath(dataDir, name);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, value, { mode: 0o600, flag: "wx" });
  await rename(temporary, file);
}

export async function removeSecret(dataDir: string, name: string): Promise<void> {
  await rm(secretPath(dataDir, name), { force: true });
}
