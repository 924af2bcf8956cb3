import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";

/** The transcoders run at this nice(1) value unless told: below the API and the CDN (see the README's Reliability). */
export const DEFAULT_MEDIA_NICENESS = 10;

const Port = z.coerce.number().int().min(0).max(65535);

const LocalSettings = z.object({
  dataDir: z.string().min(1).default(".visionstream"),
  apiPort: Port.default(8080),
  cdnPort: Port.default(8081),
  whipPort: Port.default(8082),
  rtmpPort: Port.default(1935),
  rtpPort: Port.default(5000),
  srtPort: Port.default(9200),
  mediaNiceness: z.coerce.number().int().min(0).max(19).default(DEFAULT_MEDIA_NICENESS),
  adminToken: z.string().min(16, "the admin token needs at least 16 characters").optional(),
});
export type LocalSettingsInput = z.input<typeof LocalSettings>;
export type LocalConfig = Omit<z.infer<typeof LocalSettings>, "adminToken"> & {
  adminToken: string;
  /** Where the token came from: made now, read from the data directory, or given by flag or environment. */
  adminTokenSource: "generated" | "stored" | "configured";
};

export class InvalidConfiguration extends Error {
  override name = "InvalidConfiguration";
}

const ENVIRONMENT = {
  dataDir: "VISIONSTREAM_DATA_DIR",
  apiPort: "VISIONSTREAM_API_PORT",
  cdnPort: "VISIONSTREAM_CDN_PORT",
  whipPort: "VISIONSTREAM_WHIP_PORT",
  rtmpPort: "VISIONSTREAM_RTMP_PORT",
  rtpPort: "VISIONSTREAM_RTP_PORT",
  srtPort: "VISIONSTREAM_SRT_PORT",
  mediaNiceness: "VISIONSTREAM_MEDIA_NICENESS",
  adminToken: "VISIONSTREAM_ADMIN_TOKEN",
} as const satisfies Record<keyof LocalSettingsInput, string>;

/** Flags win over the environment, the environment over defaults. Read and checked once, at start. */
export function readLocalSettings(flags: Partial<Record<keyof LocalSettingsInput, string>>, env: NodeJS.ProcessEnv = process.env) {
  const raw = Object.fromEntries(
    (Object.keys(ENVIRONMENT) as (keyof typeof ENVIRONMENT)[]).map((key) => [key, flags[key] ?? (env[ENVIRONMENT[key]] || undefined)]),
  );
  const result = LocalSettings.safeParse(raw);
  if (!result.success)
    throw new InvalidConfiguration(
      result.error.issues
        .map((issue) => {
          const key = issue.path[0] as keyof typeof ENVIRONMENT;
          return `${ENVIRONMENT[key] ?? key} (--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}): ${issue.message}`;
        })
        .join("; "),
    );
  return result.data;
}

/** Resolves the admin token: configured, or generated once and kept (mode 0600) in the data directory. */
export async function resolveLocalConfig(settings: z.infer<typeof LocalSettings>): Promise<LocalConfig> {
  const dataDir = resolve(settings.dataDir);
  await mkdir(dataDir, { recursive: true });
  if (settings.adminToken) return { ...settings, dataDir, adminToken: settings.adminToken, adminTokenSource: "configured" };
  const file = join(dataDir, "admin-token");
  const stored = await readFile(file, "utf8").then((text) => text.trim(), () => undefined);
  if (stored !== undefined && stored.length >= 16) return { ...settings, dataDir, adminToken: stored, adminTokenSource: "stored" };
  if (stored !== undefined) throw new InvalidConfiguration(`${file} holds no usable admin token: delete it to have a new one made, or set VISIONSTREAM_ADMIN_TOKEN`);
  const adminToken = `vsadmin_${randomBytes(24).toString("base64url")}`;
  await writeFile(file, `${adminToken}\n`, { mode: 0o600, flag: "wx" }).catch(() => undefined);
  return { ...settings, dataDir, adminToken: (await readFile(file, "utf8")).trim(), adminTokenSource: "generated" };
}
