import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** Debian packages the local runtime and the tests use, and how to tell they are there. */
const PACKAGES = {
  ffmpeg: () => has("ffmpeg") && has("ffprobe"),
  chromium: () => existsSync("/usr/bin/chromium"),
  "srt-tools": () => has("srt-live-transmit"),
} as const;
export type SystemPackage = keyof typeof PACKAGES;

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** Installs the missing ones with apt when we may (root), else says how. */
export function ensureSystemPackages(wanted: readonly SystemPackage[], log: (line: string) => void): void {
  const missing = wanted.filter((name) => !PACKAGES[name]());
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !has("apt-get"))
    throw new Error(`${missing.join(" and ")} missing: install with sudo apt-get install ${missing.join(" ")}, then try again`);
  log(`${missing.join(" and ")} missing: installing Debian's packages (apt-get install ${missing.join(" ")})...`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const wanted = process.argv.slice(2).filter((name): name is SystemPackage => name in PACKAGES);
  ensureSystemPackages(wanted, (line) => process.stdout.write(`${line}\n`));
}
