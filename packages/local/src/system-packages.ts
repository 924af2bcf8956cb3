import { execFileSync, spawnSync } from "node:child_process";

function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** The local runtime needs ffmpeg (Debian's package); install it when missing and we may, else say how. */
export function ensureSystemPackages(log: (line: string) => void): void {
  if (has("ffmpeg") && has("ffprobe")) return;
  const root = process.getuid?.() === 0;
  if (!root || !has("apt-get")) throw new Error("ffmpeg is missing: install it (Debian: sudo apt-get install ffmpeg) and start again");
  log("ffmpeg is missing: installing Debian's package (apt-get install ffmpeg)...");
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
  execFileSync("apt-get", ["install", "-y", "-qq", "ffmpeg"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}
