import { createHash, randomUUID } from "node:crypto";
import { generateCloudFrontKeyPair } from "@visionstream/aws/cloudfront/key-pair";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AccountInfrastructure, AccountResources, StepResult } from "@visionstream/core";
import { z } from "zod";
import { secretFile } from "./secret-file.ts";

export const Distribution = z.object({
  id: z.string(),
  accountId: z.string(),
  bucketName: z.string(),
  publicKeyId: z.string(),
  enabled: z.boolean(),
});
export type Distribution = z.infer<typeof Distribution>;

export const SigningKeyPair = z.object({ publicKeyId: z.string(), publicKey: z.string(), privateKey: z.string() });
export type SigningKeyPair = z.infer<typeof SigningKeyPair>;

/** Where the local runtime keeps what S3, CloudFront and Secrets Manager keep in AWS. */
export class LocalLayout {
  constructor(readonly dataDir: string) {}
  bucketDir(bucketName: string) {
    return join(this.dataDir, "buckets", bucketName);
  }
  distributionFile(distributionId: string) {
    return join(this.dataDir, "cdn", "distributions", `${distributionId}.json`);
  }
  keyFile(accountId: string) {
    return join(this.dataDir, "keys", accountId, "signing-key.json");
  }
}

function cloudFrontStyleId(letter: string, seed: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const digest = createHash("sha256").update(seed).digest();
  let id = letter;
  for (let index = 0; index < 13; index++) id += alphabet[digest[index]! % alphabet.length];
  return id;
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Per-account bucket directory, distribution on the local CDN and CloudFront key pair; idempotent by account id. */
export class LocalAccountInfrastructure implements AccountInfrastructure {
  constructor(
    private readonly layout: LocalLayout,
    private readonly cdnOrigin: () => string,
  ) {}

  bucketName(accountId: string) {
    return `visionstream-local-${accountId}`;
  }

  distributionId(accountId: string) {
    return cloudFrontStyleId("E", `distribution:${accountId}`);
  }

  async provision(accountId: string): Promise<AccountResources> {
    const bucketName = this.bucketName(accountId);
    await mkdir(this.layout.bucketDir(bucketName), { recursive: true });
    const { publicKeyId } = await this.signingKey(accountId);
    const distribution: Distribution = { id: this.distributionId(accountId), accountId, bucketName, publicKeyId, enabled: true };
    await this.writeAtomically(this.layout.distributionFile(distribution.id), JSON.stringify(distribution, null, 2), 0o644);
    return {
      bucketName,
      distributionId: distribution.id,
      cdnBaseUrl: `${this.cdnOrigin()}/${distribution.id}`,
      publicKeyId,
    };
  }

  /** The local CDN has no deployment to wait for: one step, and the disabled distribution refuses every viewer. */
  async deprovision(accountId: string): Promise<StepResult> {
    const file = this.layout.distributionFile(this.distributionId(accountId));
    try {
      const distribution = Distribution.parse(JSON.parse(await readFile(file, "utf8")));
      await this.writeAtomically(file, JSON.stringify({ ...distribution, enabled: false }, null, 2), 0o644);
    } catch (error) {
      if (!isErrno(error, "ENOENT")) throw error;
    }
    // As in AWS, the bucket and its recordings are kept; the signing key is destroyed.
    await rm(this.layout.keyFile(accountId), { force: true });
    return "done";
  }

  /** The account's key pair, made once: concurrent callers all get the one that was stored first. */
  async signingKey(accountId: string): Promise<SigningKeyPair> {
    const file = this.layout.keyFile(accountId);
    const text = await secretFile(file, async () => {
      const { publicKey, privateKey } = await generateCloudFrontKeyPair();
      return JSON.stringify({ publicKeyId: cloudFrontStyleId("K", publicKey), publicKey, privateKey });
    });
    return SigningKeyPair.parse(JSON.parse(text));
  }

  private async writeAtomically(file: string, content: string, mode: number): Promise<void> {
    await mkdir(join(file, ".."), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, content, { mode });
    await rename(temporary, file);
  }
}
