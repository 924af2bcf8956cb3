/**
 * Signed playback URLs against the machine's own limit, on one thread. Each round measures, in turns of 50 ms:
 * the RSA-2048 reference (crypto.sign with SHA-1, the hash of CloudFront's signatures, over prepared policies, the
 * key parsed once), and CloudFrontPlaybackSigner.signUrl and signPath on DISTINCT URLs and expiries, as distinct
 * viewers ask for them, so that no signature comes from the signer's memo. A round's ratio is a signer's rate over the
 * reference's in the same round; the figures are medians of the rounds. Memo hits are measured apart and labelled.
 */
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { CloudFrontPlaybackSigner } from "@visionstream/aws/cloudfront/playback-signer";
import { loadAverage, median } from "../common.ts";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
/** Seconds of each measurement in a round. */
const SECONDS = Number(process.env.SECONDS ?? 3);
const SLICE_MS = 50;
const ACCOUNT = "acc-benchsigning0000";
const keyPairId = "KBENCHKEY00000";
const CDN = "https://d111111abcdef8.cloudfront.net";
const FAR_FUTURE = Date.UTC(2030, 0, 1);

const { privateKey } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const parsedKey = createPrivateKey(privateKey);

/** Operations per second of `operation(n)` called with n = 0, 1, 2 … for `seconds`, one after another. */
async function perSecond(operation: (n: number) => unknown, seconds: number): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let n = 0;
  while (performance.now() < deadline) await operation(n++);
  return n / ((performance.now() - started) / 1000);
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Operations per second of each measurement over SECONDS, taken in turns of SLICE_MS (A B C A B C …), per second of
 * wall clock and per second of CPU the process used (a shared machine's other work takes the core away at times;
 * the turns spread that over all measurements alike, and CPU time leaves it out).
 */
async function interleaved<K extends string>(measurements: Record<K, (n: number) => unknown>): Promise<Record<K, { wall: number; cpu: number }>> {
  const names = Object.keys(measurements) as K[];
  const counts = new Map(names.map((name) => [name, { operations: 0, wallMs: 0, cpuMs: 0 }]));
  for (let turn = 0; turn < (SECONDS * 1000) / SLICE_MS; turn++)
    for (const name of names) {
      const count = counts.get(name)!;
      const started = performance.now();
      const cpuBefore = cpuMs();
      const deadline = started + SLICE_MS;
      while (performance.now() < deadline) await measurements[name](count.operations++);
      count.wallMs += performance.now() - started;
      count.cpuMs += cpuMs() - cpuBefore;
    }
  return Object.fromEntries(
    names.map((name) => {
      const { operations, wallMs, cpuMs: cpuMsUsed } = counts.get(name)!;
      return [name, { wall: (operations / wallMs) * 1000, cpu: (operations / cpuMsUsed) * 1000 }];
    }),
  ) as Record<K, { wall: number; cpu: number }>;
}

/** Canned policies as CloudFront's signer writes them, distinct and prepared ahead, so the reference times RSA alone. */
const policies = Array.from({ length: 4_096 }, (_, n) =>
  Buffer.from(JSON.stringify({ Statement: [{ Resource: `${CDN}/vod/rec-${String(n).padStart(16, "0")}.mp4`, Condition: { DateLessThan: { "AWS:EpochTime": FAR_FUTURE / 1000 + n } } }] })),
);
const reference = (n: number) => sign("sha1", policies[n % policies.length]!, parsedKey);

/** A number not used before in this process: with it, a URL (or path) and an expiry never asked for, so every call signs. */
let used = 0;
const fresh = () => used++;
const recordingUrl = (n: number) => `${CDN}/vod/rec-${n.toString(16).padStart(16, "0")}.mp4`;
const channelPattern = (n: number) => `${CDN}/live/ch-${n.toString(16).padStart(16, "0")}/*`;
const expiry = (n: number) => new Date(FAR_FUTURE + n * 1000);
const signer = new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey }));

function signUrl() {
  const n = fresh();
  return signer.signUrl(ACCOUNT, recordingUrl(n), expiry(n));
}
function signPath() {
  const n = fresh();
  return signer.signPath(ACCOUNT, channelPattern(n), expiry(n));
}

console.log(`load average before: ${loadAverage()}; ${ROUNDS} rounds of ${SECONDS} s per measurement, in turns of ${SLICE_MS} ms, one thread`);
await signer.signUrl(ACCOUNT, `${CDN}/warm-up`, new Date(FAR_FUTURE - 1000));
await perSecond(reference, 0.5);

type Round = Awaited<ReturnType<typeof interleaved<"reference" | "signUrl" | "signPath">>>;
const rounds: Round[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const figures = await interleaved({ reference, signUrl, signPath });
  rounds.push(figures);
  const rates = (name: keyof Round) =>
    `${figures[name].cpu.toFixed(0)}/s${name === "reference" ? "" : ` (${(figures[name].cpu / figures.reference.cpu).toFixed(2)})`} [wall clock ${figures[name].wall.toFixed(0)}/s]`;
  console.log(`  round ${round} per CPU second: crypto.sign ${rates("reference")}, signUrl ${rates("signUrl")}, signPath ${rates("signPath")}`);
}

const pemEverySignature = await perSecond((n) => getSignedUrl({ url: recordingUrl(n), keyPairId, privateKey, dateLessThan: expiry(n) }), 1);
const remembered = fresh();
const memoHits = await perSecond(() => signer.signUrl(ACCOUNT, recordingUrl(remembered), expiry(remembered)), 1);
console.log(`load average after: ${loadAverage()}`);

const rate = (name: keyof Round) => median(rounds.map((figures) => figures[name].cpu));
const ratio = (name: keyof Round, clock: "cpu" | "wall" = "cpu") => median(rounds.map((figures) => figures[name][clock] / figures.reference[clock]));
console.log(`for comparison, getSignedUrl parsing the PEM at every signature (before the key was kept parsed): ${pemEverySignature.toFixed(0)}/s of wall clock`);
console.log(`memo hits (the same URL and expiry second again; no RSA work, not signing): ${memoHits.toFixed(0)}/s of wall clock`);
console.log(`RSA-2048 sign rate of this machine (crypto.sign, SHA-1, one thread): ${rate("reference").toFixed(0)}/s per CPU second (median of ${ROUNDS})`);
console.log(
  `signUrl, distinct URLs and expiries (canned policy): ${rate("signUrl").toFixed(0)}/s per CPU second, ` +
    `ratio to the machine's rate ${ratio("signUrl").toFixed(2)} (median of ${ROUNDS}; target >= 0.8; by wall clock ${ratio("signUrl", "wall").toFixed(2)})`,
);
console.log(
  `signPath, distinct paths and expiries (custom policy, query and cookies): ${rate("signPath").toFixed(0)}/s per CPU second, ratio ${ratio("signPath").toFixed(2)} (median of ${ROUNDS}; by wall clock ${ratio("signPath", "wall").toFixed(2)})`,
);
