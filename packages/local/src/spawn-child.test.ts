import { describe, expect, it } from "vitest";
import { runningChildren } from "./child-processes.ts";
import { spawnChild } from "./spawn-child.ts";

describe("spawnChild", () => {
  it("keeps the end of stderr and resolves with the exit code once the child has ended", async () => {
    const child = spawnChild("sh", ["-c", "printf 'first line\\nlast words' >&2; exit 3"], { stdio: ["ignore", "ignore", "pipe"], stderrTailChars: 10 });

    const exit = await child.exited;

    expect(exit).toEqual({ code: 3, signal: null });
    expect(child.stderrTail()).toBe("last words");
  });

  it("resolves with the signal that ended it, and tracks it only while it runs", async () => {
    const before = runningChildren();
    const child = spawnChild("sleep", ["30"], { stdio: "ignore" });
    const whileRunning = runningChildren();

    child.process.kill("SIGTERM");
    const exit = await child.exited;

    expect(whileRunning).toBe(before + 1);
    expect(exit).toEqual({ code: null, signal: "SIGTERM" });
    expect(runningChildren()).toBe(before);
  });

  it("resolves with the error when the command cannot be started", async () => {
    const child = spawnChild("visionstream-no-such-command", [], { stdio: "ignore", stderrTailChars: 100 });

    const exit = await child.exited;

    expect(exit.error).toMatchObject({ code: "ENOENT" });
    expect(child.stderrTail()).toBe("");
  });
});
