import { z } from "zod";
import { SwitcherId } from "../ids.ts";
import { Network, networkIssues } from "./architecture-network.ts";

const Id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "lowercase letters, digits and hyphens, up to 63");
const Port = z.number().int().min(1024).max(65535);
/** In AWS the live and preview flows wait on a closed listener on this port until the switcher points them at an ingest. */
export const BUS_STANDBY_PORT = 1024;
/** The most an ingest may send (MediaConnect's bound for a source). */
export const MAX_INGEST_BITRATE_KBPS = 80_000;
const Name = z.string().trim().min(1).max(100).regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

/**
 * Where a passphrase is kept, never the passphrase itself: a Secrets Manager secret name in AWS; locally the file
 * <data dir>/secrets/<name> (mode 0600) or the environment variable VISIONSTREAM_SECRET_<NAME> (upper case, non
 * alphanumerics as _).
 */
const SecretRef = z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, "a secret name: letters, digits and /_+=.@-");

export const Region = z.object({ id: Id, name: Name }).strict();

export const Ingest = z
  .object({
    id: Id,
    name: Name,
    region: Id,
    protocol: z.literal("srt-listener"),
    port: Port,
    passphraseSecret: SecretRef,
    allowCidr: z.cidrv4("an IPv4 CIDR such as 203.0.113.0/24"),
    maxBitrateKbps: z.number().int().min(100).max(MAX_INGEST_BITRATE_KBPS),
  })
  .strict();

const SrtListenerOutput = z.object({ protocol: z.literal("srt-listener"), port: Port, passphraseSecret: SecretRef.optional(), hlsMonitor: z.boolean().default(true) }).strict();
const SrtCallerOutput = z
  .object({
    protocol: z.literal("srt-caller"),
    destination: z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, "host:port"),
    passphraseSecret: SecretRef.optional(),
    hlsMonitor: z.boolean().default(true),
  })
  .strict();
export const Output = z.discriminatedUnion("protocol", [SrtListenerOutput, SrtCallerOutput]);

/** What goes on air when the live ingest is lost: another ingest, or a slate (a generated "we'll be right back" picture). */
export const Fallback = z
  .object({
    to: z.union([Id, z.literal("slate")]),
    /** How long the live ingest may be silent before the fallback goes on air. */
    afterMs: z.number().int().min(500).max(60_000).default(2_000),
  })
  .strict();

/** One switcher: regions, SRT ingests and the live and preview outputs. Read by stacks/, the API and the panel. */
export const Architecture = z
  .object({
    $schema: z.string().optional(),
    /**
     * The switcher's id: the stacks name its flows by it, so a file deployed among the stage's switchers carries it.
     * POST /switchers takes it (a file may be deployed before the API knows it); without it the API makes one.
     */
    id: SwitcherId.optional(),
    name: Name,
    regions: z.array(Region).min(1).max(10),
    ingests: z.array(Ingest).min(1).max(32),
    outputs: z.object({ live: Output, preview: Output }).strict(),
    fallback: Fallback.optional(),
    /** AWS only: the switcher's own VPCs, their peering and the ingests' DNS names (see architecture-network.ts). */
    network: Network.optional(),
  })
  .strict()
  .superRefine((architecture, context) => {
    const regions = new Set(architecture.regions.map((region) => region.id));
    const seen = new Map<string, number>();
    architecture.ingests.forEach((ingest, index) => {
      if (!regions.has(ingest.region))
        context.addIssue({ code: "custom", path: ["ingests", index, "region"], message: `no region "${ingest.region}" in regions` });
      if (seen.has(ingest.id)) context.addIssue({ code: "custom", path: ["ingests", index, "id"], message: `"${ingest.id}" is also ingests[${seen.get(ingest.id)}]` });
      else seen.set(ingest.id, index);
    });
    if (architecture.fallback && architecture.fallback.to !== "slate" && !seen.has(architecture.fallback.to))
      context.addIssue({ code: "custom", path: ["fallback", "to"], message: `no ingest "${architecture.fallback.to}" in ingests` });
    const ports = new Map<number, string>();
    const claim = (port: number, path: (string | number)[]) => {
      const owner = ports.get(port);
      if (owner) context.addIssue({ code: "custom", path, message: `port ${port} is also used by ${owner}` });
      else ports.set(port, pathOf(path.slice(0, -1)));
    };
    architecture.ingests.forEach((ingest, index) => claim(ingest.port, ["ingests", index, "port"]));
    for (const bus of ["live", "preview"] as const) {
      const output = architecture.outputs[bus];
      if (output.protocol !== "srt-listener") continue;
      if (output.port === BUS_STANDBY_PORT)
        context.addIssue({ code: "custom", path: ["outputs", bus, "port"], message: `port ${BUS_STANDBY_PORT} is kept for the bus flows' closed standby source` });
      else claim(output.port, ["outputs", bus, "port"]);
    }
    if (architecture.network) {
      const listening = (["live", "preview"] as const).filter((bus) => architecture.outputs[bus].protocol === "srt-listener");
      const calling = (["live", "preview"] as const).flatMap((bus) => {
        const output = architecture.outputs[bus];
        return output.protocol === "srt-caller" ? [{ bus, destination: output.destination }] : [];
      });
      for (const issue of networkIssues(architecture.network, [...regions], listening, calling)) context.addIssue({ code: "custom", ...issue });
    }
  });
export type Architecture = z.infer<typeof Architecture>;

export interface ArchitectureFault {
  /** JSON path of the fault, e.g. ingests[1].port */
  path: string;
  message: string;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)), "") || "(file)";
}

/** Zod's issues over an architecture file as faults, each unknown field named on its own. */
export function architectureFaults(issues: readonly z.core.$ZodIssue[]): ArchitectureFault[] {
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: "is not a field of the architecture file" }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
}

/** Parses an architecture file; every fault is listed with its path, none is hidden behind the first. */
export function parseArchitecture(input: unknown): { ok: true; architecture: Architecture } | { ok: false; faults: ArchitectureFault[] } {
  const result = Architecture.safeParse(input);
  return result.success ? { ok: true, architecture: result.data } : { ok: false, faults: architectureFaults(result.error.issues) };
}

/** The published JSON Schema of the architecture file (for editors and the control panel). */
export function architectureJsonSchema() {
  return z.toJSONSchema(Architecture, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
}
