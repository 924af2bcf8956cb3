import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * AWS's service models (service-2.json per service, the JSON that botocore and the SDKs are generated from) come from
 * Debian's python3-botocore package, unpacked into .cache/botocore/ at the root; no Python is needed to read them.
 */
export const root = fileURLToPath(new URL("../..", import.meta.url));
export const botocoreDirectory = join(root, ".cache", "botocore");
export const botocoreData = join(botocoreDirectory, "data");
export const requestsSummaryFile = join(root, ".cache", "aws-definitions", "requests.jsonl");
const PACKAGE = "python3-botocore";
const INSIDE_PACKAGE = join("usr", "lib", "python3", "dist-packages", "botocore", "data");

export class BotocoreModelsUnavailable extends Error {
  override name = "BotocoreModelsUnavailable";
}

const run = (command: string, args: string[], cwd: string) => execFileSync(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });

function download(into: string): string {
  try {
    run("apt-get", ["download", PACKAGE], into);
  } catch (first) {
    if (process.getuid?.() !== 0) {
      throw new BotocoreModelsUnavailable(`apt-get download ${PACKAGE} failed (${(first as Error).message.trim()}); run it once as root after apt-get update, or run npm test's pretest`);
    }
    // A fresh machine has no package lists yet.
    run("apt-get", ["update", "-qq"], into);
    run("apt-get", ["download", PACKAGE], into);
  }
  const deb = readdirSync(into).find((name) => name.endsWith(".deb"));
  if (!deb) throw new BotocoreModelsUnavailable(`apt-get download ${PACKAGE} left no .deb in ${into}`);
  return join(into, deb);
}

/** Keeps only the newest API version's service-2.json of each service: the rest (examples, endpoint rules, old versions) is never read. */
function prune(data: string): void {
  for (const service of readdirSync(data, { withFileTypes: true })) {
    if (!service.isDirectory()) {
      rmSync(join(data, service.name), { force: true });
      continue;
    }
    const versions = readdirSync(join(data, service.name)).sort();
    const newest = versions.filter((version) => existsSync(join(data, service.name, version, "service-2.json"))).at(-1);
    for (const version of versions) {
      const directory = join(data, service.name, version);
      if (version !== newest) rmSync(directory, { recursive: true, force: true });
      else for (const file of readdirSync(directory)) if (file !== "service-2.json") rmSync(join(directory, file), { force: true });
    }
    if (!newest) rmSync(join(data, service.name), { recursive: true, force: true });
  }
}

/** The unpacked models' directory, fetched and unpacked once (atomically: several test workers may race here). */
export function ensureBotocoreModels(log: (line: string) => void = () => {}): string {
  if (existsSync(join(botocoreData, "s3"))) return botocoreData;
  if (!existsSync("/usr/bin/apt-get") || !existsSync("/usr/bin/dpkg-deb")) {
    throw new BotocoreModelsUnavailable(`AWS's service models come from Debian's ${PACKAGE}: this machine has no apt-get/dpkg-deb; unpack the package's botocore/data into ${botocoreData}`);
  }
  mkdirSync(botocoreDirectory, { recursive: true });
  const work = mkdtempSync(join(botocoreDirectory, "unpack-"));
  try {
    log(`AWS service models missing: fetching Debian's ${PACKAGE} into ${botocoreDirectory}...`);
    const deb = download(work);
    const version = run("dpkg-deb", ["-f", deb, "Version"], work).trim();
    run("dpkg-deb", ["-x", deb, join(work, "unpacked")], work);
    const data = join(work, "unpacked", INSIDE_PACKAGE);
    prune(data);
    try {
      renameSync(data, botocoreData);
      writeFileSync(join(botocoreDirectory, "VERSION"), `${PACKAGE} ${version}\n`);
    } catch (error) {
      if (!existsSync(join(botocoreData, "s3"))) throw error;
    }
    log(`AWS service models: ${PACKAGE} ${version}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return botocoreData;
}

/** Which python3-botocore the models come from, e.g. "python3-botocore 1.29.27+repack-1". */
export function botocoreVersion(): string {
  const file = join(botocoreDirectory, "VERSION");
  return existsSync(file) ? readFileSync(file, "utf8").trim() : PACKAGE;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  ensureBotocoreModels((line) => process.stdout.write(`${line}\n`));
  // A new `npm test` run starts a new summary of the requests checked (scripts/aws-definitions/requests-summary.ts).
  rmSync(requestsSummaryFile, { force: true });
}
