import { parseArgs } from "node:util";
import { InvalidConfiguration, readLocalSettings, resolveLocalConfig } from "./config.ts";
import { startLocalRuntime } from "./runtime.ts";
import { AccountId } from "@visionstream/core";
import { accountSecret, InvalidSecretName, writeSecret } from "./secrets/secrets.ts";
import { ensureSystemPackages } from "./system-packages.ts";

const USAGE = `usage: visionstream start [--data-dir DIR] [--api-port N] [--cdn-port N] [--whip-port N] [--rtmp-port N] [--rtp-port N] [--srt-port N] [--media-niceness 0-19] [--admin-token TOKEN]
       visionstream secret set NAME --account ACCOUNT_ID [--data-dir DIR]   (the value is read from stdin, e.g. a switcher ingest's SRT passphrase)

Starts the whole VisionStream platform on 127.0.0.1. Each flag may also be given in the environment:
VISIONSTREAM_DATA_DIR (.visionstream), VISIONSTREAM_API_PORT (8080), VISIONSTREAM_CDN_PORT (8081), VISIONSTREAM_WHIP_PORT (8082),
VISIONSTREAM_RTMP_PORT (1935), VISIONSTREAM_RTP_PORT (5000), VISIONSTREAM_SRT_PORT (9200), VISIONSTREAM_MEDIA_NICENESS (10: transcoders yield the CPU to
the API and the CDN), VISIONSTREAM_ADMIN_TOKEN (generated on first start and kept in the data directory).`;

async function start(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      "data-dir": { type: "string" },
      "api-port": { type: "string" },
      "cdn-port": { type: "string" },
      "whip-port": { type: "string" },
      "rtmp-port": { type: "string" },
      "rtp-port": { type: "string" },
      "srt-port": { type: "string" },
      "media-niceness": { type: "string" },
      "admin-token": { type: "string" },
    },
    strict: true,
  });
  const settings = readLocalSettings({
    dataDir: values["data-dir"],
    apiPort: values["api-port"],
    cdnPort: values["cdn-port"],
    whipPort: values["whip-port"],
    rtmpPort: values["rtmp-port"],
    rtpPort: values["rtp-port"],
    srtPort: values["srt-port"],
    mediaNiceness: values["media-niceness"],
    adminToken: values["admin-token"],
  });
  const config = await resolveLocalConfig(settings);
  ensureSystemPackages(["ffmpeg", "srt-tools"], (line) => process.stdout.write(`${line}\n`));
  const runtime = await startLocalRuntime(config);
  const lines = [
    "VisionStream is running on 127.0.0.1",
    `  API          ${runtime.apiUrl}   (OpenAPI: ${runtime.apiUrl}/openapi.json)`,
    `  CDN          ${runtime.cdnUrl}`,
    `  DynamoDB     ${runtime.dynamoEndpoint}   (dynalite)`,
    `  WHIP         ${runtime.whipUrl}/whip/channels/<channelId>   (browser broadcasts: POST /channels/<id>/broadcast gives the link)`,
    `  RTMP ingest  from port ${config.rtmpPort}; RTP ingest from port ${config.rtpPort}; SRT channel ingest from port ${config.srtPort}; switchers' SRT ingests on the ports of their files`,
    `  player       ${runtime.apiUrl}/player.html`,
    `  switcher     ${runtime.apiUrl}/switcher.html?id=<switcherId>#key=<account API key>`,
    `  data         ${config.dataDir}`,
    config.adminTokenSource === "configured"
      ? `  admin token  as configured (${config.adminToken.slice(0, 4)}…)`
      : `  admin token  ${config.adminToken}   (${config.adminTokenSource === "generated" ? "generated; " : ""}kept in ${config.dataDir}/admin-token)`,
    "",
    `Try: curl -s -X POST ${runtime.apiUrl}/accounts -H "authorization: Bearer <admin token>" -H "content-type: application/json" -d '{"name":"demo"}'`,
    "Ctrl-C stops everything.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    runtime
      .stop()
      .then(() => {
        process.stdout.write("stopped\n");
        process.exit(0);
      })
      .catch((error: unknown) => {
        process.stderr.write(`failed to stop cleanly: ${String(error)}\n`);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

/** Keeps a secret for the local runtime in <data dir>/secrets/<name> (mode 0600); the value comes on stdin, never as an argument. */
async function secret(argv: string[]) {
  const { values, positionals } = parseArgs({ args: argv, options: { "data-dir": { type: "string" }, account: { type: "string" } }, allowPositionals: true, strict: true });
  const [action, name] = positionals;
  const account = values.account;
  if (action !== "set" || !name || positionals.length !== 2 || !account) throw new InvalidConfiguration("secret: give `secret set NAME --account ACCOUNT_ID`, with the value on stdin");
  if (!AccountId.safeParse(account).success) throw new InvalidConfiguration(`secret: --account ${account} is not an account id (acc-…)`);
  const { dataDir } = readLocalSettings({ dataDir: values["data-dir"] });
  let value = "";
  for await (const chunk of process.stdin) value += String(chunk);
  value = value.replace(/\r?\n$/, "");
  if (!value) throw new InvalidConfiguration(`secret ${name}: no value on stdin`);
  await writeSecret(dataDir, accountSecret(account, name), value);
  process.stdout.write(`secret ${name} of account ${account} kept in ${dataDir}/secrets/${accountSecret(account, name)}\n`);
}

async function main() {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "start") return start(rest);
  if (command === "secret") return secret(rest);
  process.stdout.write(`${USAGE}\n`);
  process.exitCode = command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

main().catch((error: unknown) => {
  if (error instanceof InvalidSecretName) {
    process.stderr.write(`visionstream: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof InvalidConfiguration || (error instanceof Error && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
    process.stderr.write(`visionstream: ${error.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (error instanceof Error && "code" in error && error.code === "EADDRINUSE") {
    process.stderr.write(`visionstream: ${error.message}: another process holds that port; choose another with the flags above\n`);
    process.exit(1);
  }
  process.stderr.write(`visionstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
