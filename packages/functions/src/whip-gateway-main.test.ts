import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dynamoClient, ensureTables } from "@visionstream/aws";
import dynalite from "dynalite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The container's entry as the image runs it: bundled by the Dockerfile's own esbuild command into one file, started
// with node alone (no node_modules beside it), configured by its environment, stopped by SIGTERM as ECS stops a task.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const tableName = "visionstream-whip-main-test";
const secretArn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:visionstream-test/broadcast-AbCdEf";
const key = randomBytes(32).toString("base64url");

const database = dynalite({ createTableMs: 0 });
let dynamoEndpoint: string;
let secretsEndpoint: string;
let secretsManager: Server;
let bundle: string;

/** The esbuild command of stacks/whip-gateway.Dockerfile, run here into a directory of its own. */
function bundleAsTheImageDoes(outDirectory: string): string {
  const dockerfile = readFileSync(join(root, "stacks/whip-gateway.Dockerfile"), "utf8").replace(/\\\n\s*/g, "");
  const command = /^RUN node_modules\/\.bin\/esbuild (.+)$/m.exec(dockerfile)?.[1];
  if (!command) throw new Error("no esbuild command in stacks/whip-gateway.Dockerfile");
  const args = [...command.matchAll(/"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2]!);
  const outfile = join(outDirectory, "whip-gateway.mjs");
  const built = spawnSync(join(root, "node_modules/.bin/esbuild"), args.map((arg) => (arg.startsWith("--outfile=") ? `--outfile=${outfile}` : arg)), { cwd: root, encoding: "utf8" });
  if (built.status !== 0) throw new Error(`esbuild failed: ${built.stderr}`);
  return outfile;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  let output = "";
  const child = spawn(process.execPath, [bundle], {
    cwd: join(bundle, ".."),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** The port of the "WHIP gateway listening" log line. */
async function listeningPort(started: Started): Promise<number> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    const line = started.output().split("\n").find((entry) => entry.includes('"WHIP gateway listening"'));
    if (line) return (JSON.parse(line) as { port: number }).port;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the gateway did not say it listens:\n${started.output()}`);
}

const configured = () => ({
  AWS_REGION: "eu-west-1",
  AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
  AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
  VISIONSTREAM_TABLE: tableName,
  VISIONSTREAM_RESOURCE_PREFIX: "visionstream-test",
  VISIONSTREAM_BROADCAST_SECRET_ARN: secretArn,
  VISIONSTREAM_WHIP_PORT: "0",
  VISIONSTREAM_WHIP_ICE_PORTS: "21600-21699",
  VISIONSTREAM_WHIP_PUBLIC_ADDRESS: "203.0.113.7",
});

beforeAll(async () => {
  bundle = bundleAsTheImageDoes(mkdtempSync(join(tmpdir(), "whip-gateway-image-")));
  await new Promise<void>((resolve) => database.listen(0, "127.0.0.1", resolve));
  dynamoEndpoint = `http://127.0.0.1:${(database.address() as AddressInfo).port}`;
  const dynamo = dynamoClient({ region: "eu-west-1", endpoint: dynamoEndpoint });
  await ensureTables(dynamo, { table: tableName, idempotencyTable: `${tableName}-idempotency` });
  dynamo.destroy();
  // Secrets Manager's JSON protocol, for the one request the gateway sends it.
  secretsManager = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const known = request.headers["x-amz-target"] === "secretsmanager.GetSecretValue" && (JSON.parse(body) as { SecretId: string }).SecretId === secretArn;
      response.writeHead(known ? 200 : 400, { "content-type": "application/x-amz-json-1.1" });
      response.end(JSON.stringify(known ? { ARN: secretArn, Name: "visionstream-test/broadcast-AbCdEf", SecretString: key } : { __type: "ResourceNotFoundException", message: "no such secret" }));
    });
  });
  await new Promise<void>((resolve) => secretsManager.listen(0, "127.0.0.1", resolve));
  secretsEndpoint = `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => secretsManager.close(() => resolve()));
  await new Promise<void>((resolve) => database.close(() => resolve()));
});

describe("whip-gateway-main (the container's entry, bundled as the image does)", () => {
  it("starts with node alone, answers WHIP requests, and on SIGTERM stops and exits 0", async () => {
    const gateway = start(configured());
    try {
      const port = await listeningPort(gateway);
      const unsigned = await fetch(`http://127.0.0.1:${port}/whip/channels/ch-0123456789abcdef`, { method: "POST", headers: { "content-type": "application/sdp" }, body: "v=0\r\n" });
      const preflight = await fetch(`http://127.0.0.1:${port}/whip/channels/ch-0123456789abcdef`, { method: "OPTIONS" });

      gateway.child.kill("SIGTERM");

      expect(unsigned.status).toBe(401);
      expect(preflight.status).toBe(204);
      expect(await gateway.exited).toBe(0);
      expect(gateway.output()).toContain('"WHIP gateway stopping"');
      expect(gateway.output()).not.toContain(key);
    } finally {
      gateway.child.kill("SIGKILL");
    }
  }, 30_000);

  it("exits 1 at start naming each missing value", async () => {
    const { VISIONSTREAM_BROADCAST_SECRET_ARN: _, VISIONSTREAM_WHIP_ICE_PORTS: __, ...partial } = configured();
    const gateway = start(partial);

    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain("MissingConfiguration");
    expect(gateway.output()).toContain("VISIONSTREAM_BROADCAST_SECRET_ARN");
    expect(gateway.output()).toContain("VISIONSTREAM_WHIP_ICE_PORTS");
  }, 30_000);

  it("exits 1 when Secrets Manager refuses the broadcast key, with its reason", async () => {
    const gateway = start({ ...configured(), VISIONSTREAM_BROADCAST_SECRET_ARN: `${secretArn}-other` });

    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain("ResourceNotFoundException");
  }, 30_000);
});
