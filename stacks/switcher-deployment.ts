import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { parseArchitecture, type Architecture } from "../packages/core/src/switcher/architecture.ts";
import { SwitcherId } from "../packages/core/src/ids.ts";

/** Where MediaConnect flows meet the VPC, per region of the architecture file. */
export const SwitcherNetwork = z
  .object({
    regions: z.record(
      z.string(),
      z.object({ subnetId: z.string().startsWith("subnet-"), securityGroupIds: z.array(z.string().startsWith("sg-")).min(1).max(5) }).strict(),
    ),
    /** Who may pull the live and preview SRT-listener outputs. */
    outputAllowCidrs: z.array(z.cidrv4()).default([]),
  })
  .strict();
export type SwitcherNetwork = z.infer<typeof SwitcherNetwork>;

export interface SwitcherDeployment {
  switcherId: string;
  architecture: Architecture;
  /** From VISIONSTREAM_SWITCHER_NETWORK; absent when the file's own `network` section makes the VPCs (switcher-network.ts). */
  network?: SwitcherNetwork;
  /** Named in VISIONSTREAM_SWITCHER_RELEASE: its resources are not protected, so that the next deploy without its file deletes them. */
  released?: true;
}

export class InvalidSwitcherDeployment extends Error {
  override name = "InvalidSwitcherDeployment";
  constructor(readonly faults: string[]) {
    super(`The switcher cannot be deployed:\n${faults.map((fault) => `  - ${fault}`).join("\n")}`);
  }
}

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ID_FORM = "sw- and 16 lower-case letters or digits";

/** The entries of a directory, or undefined when the path is not one (a file, or nothing: reading it says which). */
const directoryEntries = (path: string): string[] | undefined => {
  try {
    return statSync(path).isDirectory() ? readdirSync(path) : undefined;
  } catch {
    return undefined;
  }
};
const readText = (path: string) => readFileSync(path, "utf8");

/**
 * The one switcher of VISIONSTREAM_SWITCHER_FILE when it names a file (see readSwitcherDeployments); undefined without
 * it. Every fault is listed at once.
 */
export function readSwitcherDeployment(env: Record<string, string | undefined>, readFile: (path: string) => string = readText): SwitcherDeployment | undefined {
  const file = env.VISIONSTREAM_SWITCHER_FILE;
  return file ? deploymentsOf(env, [file], undefined, readFile)[0] : undefined;
}

/**
 * The stage's switchers, from VISIONSTREAM_SWITCHER_FILE: one architecture file, or a directory whose every `*.json` is
 * one (by name), each carrying its switcher's `id`; VISIONSTREAM_SWITCHER_ID (the id the API gave it, with a single
 * file only); VISIONSTREAM_SWITCHER_NETWORK (JSON, see SwitcherNetwork: the subnets of every switcher whose file has no
 * `network` section); VISIONSTREAM_SWITCHER_RELEASE (ids, comma-separated, whose resources may be deleted). None
 * without VISIONSTREAM_SWITCHER_FILE. Every fault is listed at once.
 */
export function readSwitcherDeployments(
  env: Record<string, string | undefined>,
  readFile: (path: string) => string = readText,
  listDirectory: (path: string) => string[] | undefined = directoryEntries,
): SwitcherDeployment[] {
  const path = env.VISIONSTREAM_SWITCHER_FILE;
  if (!path) return [];
  const entries = listDirectory(path);
  if (entries === undefined) return deploymentsOf(env, [path], undefined, readFile);
  const files = entries.filter((name) => name.endsWith(".json")).sort().map((name) => join(path, name));
  return deploymentsOf(env, files, path, readFile);
}

/** The switchers of the files (from the directory, when given), or every fault at once. */
function deploymentsOf(
  env: Record<string, string | undefined>,
  files: readonly string[],
  directory: string | undefined,
  readFile: (path: string) => string,
): SwitcherDeployment[] {
  const faults: string[] = [];
  const json = (name: string, text: string | undefined): unknown => {
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch (error) {
      faults.push(`${name}: not JSON (${(error as Error).message})`);
      return undefined;
    }
  };
  const read = files.map((file) => {
    let text: string | undefined;
    try {
      text = readFile(file);
    } catch (error) {
      faults.push(`VISIONSTREAM_SWITCHER_FILE: cannot read ${file} (${(error as Error).message})`);
    }
    const input = json(`VISIONSTREAM_SWITCHER_FILE (${file})`, text);
    if (input === undefined) return { file, architecture: undefined };
    const parsed = parseArchitecture(input);
    if (!parsed.ok) faults.push(...parsed.faults.map((fault) => `${file}: ${fault.path}: ${fault.message}`));
    return { file, architecture: parsed.ok ? parsed.architecture : undefined };
  });
  const ids =
    directory === undefined
      ? [switcherIdOf(env.VISIONSTREAM_SWITCHER_ID, read[0]!.architecture?.id, files[0]!, faults)]
      : switcherIdsOf(env.VISIONSTREAM_SWITCHER_ID, read, directory, faults);
  const network = networkOf(env, read, directory, json, faults);
  for (const { file, architecture } of read) {
    if (!architecture) continue;
    const given = architecture.network ? undefined : network;
    architecture.regions.forEach((region, index) => {
      if (!AWS_REGION.test(region.id)) faults.push(`${file}: regions[${index}].id: "${region.id}" is not an AWS region (such as eu-west-1)`);
      else if (given && !given.regions[region.id]) faults.push(`VISIONSTREAM_SWITCHER_NETWORK.regions: no subnet and security groups for ${region.id}`);
    });
    const listeners = (["live", "preview"] as const).filter((bus) => architecture.outputs[bus].protocol === "srt-listener");
    if (given && listeners.length > 0 && given.outputAllowCidrs.length === 0) {
      faults.push(`VISIONSTREAM_SWITCHER_NETWORK.outputAllowCidrs: the ${listeners.join(" and ")} SRT-listener output${listeners.length > 1 ? "s need" : " needs"} the CIDRs allowed to pull`);
    }
  }
  faults.push(...dnsNameClashes(read));
  const released = releasedOf(env.VISIONSTREAM_SWITCHER_RELEASE, ids, faults);
  const deployments = read.flatMap(({ architecture }, index): SwitcherDeployment[] => {
    const switcherId = ids[index]!;
    if (!architecture || (!network && !architecture.network)) return [];
    return [{ switcherId, architecture, ...(network && !architecture.network && { network }), ...(released.has(switcherId) && { released: true as const }) }];
  });
  // Two switchers in a region without its subnet would each say so.
  if (faults.length > 0 || deployments.length < read.length) throw new InvalidSwitcherDeployment([...new Set(faults)]);
  return deployments;
}

/** Two switchers naming an ingest alike in one hosted zone would make the same Route 53 record: the second stack fails. */
function dnsNameClashes(read: readonly { file: string; architecture: Architecture | undefined }[]): string[] {
  const owners = new Map<string, string>();
  const clashes: string[] = [];
  for (const { file, architecture } of read) {
    const dns = architecture?.network?.dns;
    if (!dns) continue;
    architecture.ingests.forEach((ingest, index) => {
      const name = `${ingest.id}.${dns.zoneName}`.toLowerCase();
      const key = `${dns.hostedZoneId}/${name}`;
      const owner = owners.get(key);
      if (owner) clashes.push(`${file}: ingests[${index}].id: its DNS name ${name} is also ${owner}'s; rename one ingest or use another zone`);
      else owners.set(key, file);
    });
  }
  return clashes;
}

/**
 * The switcher's id: the file's `id` (deployable before the API knows the switcher; POST /switchers then takes it), or
 * VISIONSTREAM_SWITCHER_ID (the id the API gave it). Both may be given if they agree.
 */
function switcherIdOf(fromEnv: string | undefined, fromFile: string | undefined, file: string, faults: string[]): string {
  if (fromEnv !== undefined && !SwitcherId.safeParse(fromEnv).success) {
    faults.push(`VISIONSTREAM_SWITCHER_ID: "${fromEnv}" is not a switcher id (sw-0123456789abcdef)`);
    return "";
  }
  if (fromEnv && fromFile && fromEnv !== fromFile) faults.push(`VISIONSTREAM_SWITCHER_ID: ${fromEnv} differs from the id ${fromFile} in ${file}`);
  const id = fromFile ?? fromEnv;
  if (!id) faults.push(`VISIONSTREAM_SWITCHER_ID: missing; give the switcher's id from the API, or put an "id" (${ID_FORM}) in ${file}`);
  return id ?? "";
}

/** In a directory every file names its switcher, once: the id is what keeps each switcher's resources apart. */
function switcherIdsOf(fromEnv: string | undefined, read: readonly { file: string; architecture?: Architecture }[], directory: string, faults: string[]): string[] {
  if (fromEnv !== undefined) faults.push(`VISIONSTREAM_SWITCHER_ID: only with a single file; ${directory} is a directory, so each of its files carries its switcher's "id"`);
  const seen = new Map<string, string>();
  return read.map(({ file, architecture }) => {
    if (!architecture) return "";
    const id = architecture.id;
    if (!id) faults.push(`${file}: id: missing; every file of the directory ${directory} carries its switcher's "id" (${ID_FORM})`);
    else if (seen.has(id)) faults.push(`${file}: id: ${id} is also the id in ${seen.get(id)}`);
    else seen.set(id, file);
    return id ?? "";
  });
}

/** VISIONSTREAM_SWITCHER_NETWORK, needed exactly when some file has no `network` section of its own. */
function networkOf(
  env: Record<string, string | undefined>,
  read: readonly { file: string; architecture?: Architecture }[],
  directory: string | undefined,
  json: (name: string, text: string | undefined) => unknown,
  faults: string[],
): SwitcherNetwork | undefined {
  const input = json("VISIONSTREAM_SWITCHER_NETWORK", env.VISIONSTREAM_SWITCHER_NETWORK);
  if (read.every(({ architecture }) => architecture?.network)) {
    if (input !== undefined && read.length > 0) {
      const which = directory === undefined ? `${read[0]!.file} has a network section` : `every file of ${directory} has a network section`;
      faults.push(`VISIONSTREAM_SWITCHER_NETWORK: ${which}, which makes the switcher's VPCs; leave this unset`);
    }
    return undefined;
  }
  if (env.VISIONSTREAM_SWITCHER_NETWORK === undefined) {
    faults.push('VISIONSTREAM_SWITCHER_NETWORK: missing; give {"regions":{"<region>":{"subnetId":"subnet-…","securityGroupIds":["sg-…"]}},"outputAllowCidrs":["…"]}');
    return undefined;
  }
  if (input === undefined) return undefined;
  const network = SwitcherNetwork.safeParse(input);
  if (!network.success) faults.push(...network.error.issues.map((issue) => `VISIONSTREAM_SWITCHER_NETWORK.${issue.path.join(".")}: ${issue.message}`));
  return network.success ? network.data : undefined;
}

/** The ids of VISIONSTREAM_SWITCHER_RELEASE; each must be a switcher of this deploy (a typo would protect it still). */
function releasedOf(text: string | undefined, ids: readonly string[], faults: string[]): Set<string> {
  const released = new Set((text ?? "").split(",").map((id) => id.trim()).filter((id) => id.length > 0));
  for (const id of released) {
    if (!SwitcherId.safeParse(id).success) faults.push(`VISIONSTREAM_SWITCHER_RELEASE: "${id}" is not a switcher id (sw-0123456789abcdef)`);
    else if (!ids.includes(id)) faults.push(`VISIONSTREAM_SWITCHER_RELEASE: ${id} is not a switcher of VISIONSTREAM_SWITCHER_FILE; deploy it once with its file to release it`);
  }
  return released;
}
