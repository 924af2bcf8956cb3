import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { CloudFrontPlaybackSigner } from "@visionstream/aws";
import { LocalAccountInfrastructure, LocalLayout } from "../src/account-infrastructure.ts";
import { type CdnOptions, cdnApp } from "../src/cloudfront/server.ts";

export const CDN_HOST = "127.0.0.1";

export interface TestCdnAccount {
  accountId: string;
  cdnBaseUrl: string;
  /** The account's bucket directory. */
  bucketDir: string;
  /** A playback grant over live/<channelId>/*, as the playback API signs it: the signature query and the cookies. */
  grant(channelId: string, expiresAt?: Date): Promise<{ query: string; cookies: Record<string, string> }>;
}

/**
 * The CDN app on 127.0.0.1 (in this process, so tests can look at its file handles), over a fresh data directory,
 * with accounts made as the runtime makes them: bucket, distribution and signing key.
 */
export async function startTestCdn(options: CdnOptions = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), "visionstream-cdn-"));
  const layout = new LocalLayout(dataDir);
  const server = serve({ fetch: cdnApp(layout, options).fetch, port: 0, hostname: CDN_HOST });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const url = `http://${CDN_HOST}:${(server.address() as AddressInfo).port}`;
  const infrastructure = new LocalAccountInfrastructure(layout, () => url);
  const signer = new CloudFrontPlaybackSigner(async (accountId) => {
    const pair = await infrastructure.signingKey(accountId);
    return { keyPairId: pair.publicKeyId, privateKey: pair.privateKey };
  });

  async function account(accountId: string): Promise<TestCdnAccount> {
    const resources = await infrastructure.provision(accountId);
    return {
      accountId,
      cdnBaseUrl: resources.cdnBaseUrl,
      bucketDir: layout.bucketDir(resources.bucketName),
      grant: (channelId, expiresAt = new Date(Date.now() + 600_000)) =>
        signer.signPath(accountId, `${resources.cdnBaseUrl}/live/${channelId}/*`, expiresAt),
    };
  }

  async function close() {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      if ("closeAllConnections" in server) server.closeAllConnections();
    });
    await rm(dataDir, { recursive: true, force: true });
  }

  return { url, layout, dataDir, signer, account, close };
}
