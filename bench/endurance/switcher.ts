import { type ChildProcess, spawn } from "node:child_process";
import { trackChild } from "@visionstream/local/child-processes";
import { accountSecret, writeSecret } from "@visionstream/local/secrets/secrets";
import { localArchitecture, pushSrt, stopChild } from "@visionstream/local/testing/mediaconnect";
import { eventually, type ApiClient } from "@visionstream/local/testing/runtime";

/** Two pictures of their own size, so that every take changes the picture on air (as in bench/switcher). */
const PICTURES = ["testsrc2=size=640x360:rate=30", "smptebars=size=480x270:rate=30"];
const PASSPHRASES = ["endurance-stage-a-passphrase", "endurance-stage-b-passphrase"];

export interface SwitcherPorts {
  ingests: [number, number];
  outputs: [number, number];
}

export interface SwitcherTally {
  switches: number;
  failedSwitches: number;
  /** Error lines of the decoder of the live output, once it had decoded its first picture. */
  decodeErrors: number;
  /** Error lines before the decoder's first picture after it (re)joined: a receiver joining mid-GOP, not a switch. */
  joinErrors: number;
  decoderRestarts: number;
  samples: string[];
}

class SwitcherNotCreated extends Error {
  override name = "SwitcherNotCreated";
}

/**
 * A switcher with two SRT ingests (ffmpeg contributors with passphrases), taking the other ingest every `everyMs` with a
 * clean switch, while ffmpeg decodes its live output as an SRT receiver and every error line it prints is counted.
 */
export async function startSwitcherSoak(options: { api: ApiClient; apiKey: string; accountId: string; dataDir: string; ports: SwitcherPorts; everyMs: number }) {
  const { api, apiKey, accountId, dataDir, ports } = options;
  const call = (method: string, path: string, json?: unknown) => api(method, path, { token: apiKey, ...(json !== undefined ? { json } : {}) });
  const architecture = localArchitecture(ports.ingests, ports.outputs, "endurance");
  for (const [index, ingest] of architecture.ingests.entries()) await writeSecret(dataDir, accountSecret(accountId, ingest.passphraseSecret!), PASSPHRASES[index]!);
  const made = await call("POST", "/switchers", architecture);
  if (made.status !== 201) throw new SwitcherNotCreated(`switcher not created: ${made.status} ${JSON.stringify(made.body)}`);
  const switcherId: string = made.body.switcher.id;
  const ingestIds = architecture.ingests.map((ingest) => ingest.id);
  const pushers = ports.ingests.map((port, index) => pushSrt({ port, passphrase: PASSPHRASES[index]!, picture: PICTURES[index]! }));
  await eventually(
    async () => {
      const ingests: { health: { connected: boolean; lastKeyframeAgeMs: number | null } }[] = (await call("GET", `/switchers/${switcherId}`)).body.switcher.ingests;
      return ingests.every((ingest) => ingest.health.connected && ingest.health.lastKeyframeAgeMs !== null) ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  const tally: SwitcherTally = { switches: 0, failedSwitches: 0, decodeErrors: 0, joinErrors: 0, decoderRestarts: 0, samples: [] };
  const note = (line: string) => tally.samples.length < 5 && tally.samples.push(line);
  let stopping = false;
  let decoder: ChildProcess | undefined;

  function decode() {
    let pictures = 0;
    const child = spawn(
      "ffmpeg",
      ["-hide_banner", "-nostdin", "-v", "error", "-progress", "pipe:1", "-i", `srt://127.0.0.1:${ports.outputs[0]}?mode=caller`, "-f", "null", "-"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    trackChild(child);
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      for (const match of text.matchAll(/^frame=(\d+)$/gm)) pictures = Number(match[1]);
    });
    let rest = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      const lines = (rest + text).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) {
        if (stopping) continue;
        if (pictures > 0) {
          tally.decodeErrors++;
          note(line);
        } else tally.joinErrors++;
      }
    });
    child.once("exit", () => {
      if (stopping) return;
      tally.decoderRestarts++;
      setTimeout(() => !stopping && (decoder = decode()), 1_000);
    });
    return child;
  }
  decoder = decode();

  let onAir: string = made.body.switcher.live;
  const switching = setInterval(async () => {
    const other = ingestIds.find((id) => id !== onAir)!;
    const answer = await call("POST", `/switchers/${switcherId}/live`, { ingestId: other, mode: "clean" }).catch((error: Error) => ({ status: 0, body: { message: error.message } }));
    if (answer.status === 200) {
      tally.switches++;
      onAir = answer.body.switcher.live;
    } else {
      tally.failedSwitches++;
      note(`switch to ${other} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
  }, options.everyMs);

  return {
    switcherId,
    tally: () => ({ ...tally, samples: [...tally.samples] }),
    async stop() {
      stopping = true;
      clearInterval(switching);
      await stopChild(decoder);
      await Promise.all(pushers.map(stopChild));
    },
  };
}
