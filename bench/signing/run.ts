/**
 * Signed playback URLs against the machine's own limit, on one thread, for both kinds of account key: ECDSA P-256
 * (what accounts get now, signed with SHA-256) and RSA-2048 (accounts made before, SHA-1). Each round measures, in
 * turns of 50 ms: each key's reference (crypto.sign with the key's hash over prepared policies, the key parsed once),
 * and CloudFrontPlaybackSigner.signUrl and signPath on DISTINCT URLs and expiries, as distinct viewers ask for them,
 * so that no signature comes from the signer's memo. A round's ratio is a signer's rate over its key's reference in
 * the same round; the figures are medians of the rounds. Memo hits are measured apart and labelled.
 */
import { createPrivateKey, generateKeyPairSync, sign } from "node:crypto";
import { getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { generateCloudFrontKeyPair } from "@visionstream/aws/cloudfront/key-pair";
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

const rsaPem = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
}).privateKey;
const ecdsaPem = (await generateCloudFrontKeyPair()).privateKey;

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

/** Canned policies as CloudFront's signer writes them, distinct and prepared ahead, so a reference times the signature alone. */
const policies = Array.from({ length: 4_096 }, (_, n) =>
  Buffer.from(JSON.stringify({ Statement: [{ Resource: `${CDN}/vod/rec-${String(n).padStart(16, "0")}.mp4`, Condition: { DateLessThan: { "AWS:EpochTime": FAR_FUTURE / 1000 + n } } }] })),
);
const rsaKey = createPrivateKey(rsaPem);
const ecdsaKey = createPrivateKey(ecdsaPem);
const rsaReference = (n: number) => sign("sha1", policies[n % policies.length]!, rsaKey);
const ecdsaReference = (n: number) => sign("sha256", policies[n % policies.length]!, ecdsaKey);

/** A number not used before in this process: with it, a URL (or path) and an expiry never asked for, so every call signs. */
let used = 0;
const fresh = () => used++;
const recordingUrl = (n: number) => `${CDN}/vod/rec-${n.toString(16).padStart(16, "0")}.mp4`;
const channelPattern = (n: number) => `${CDN}/live/ch-${n.toString(16).padStart(16, "0")}/*`;
const expiry = (n: number) => new Date(FAR_FUTURE + n * 1000);
const signers = {
  ecdsa: new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: ecdsaPem })),
  rsa: new CloudFrontPlaybackSigner(async () => ({ keyPairId, privateKey: rsaPem })),
};
const signUrlWith = (signer: CloudFrontPlaybackSigner) => () => {
  const n = fresh();
  return signer.signUrl(ACCOUNT, recordingUrl(n), expiry(n));
};
const signPathWith = (signer: CloudFrontPlaybackSigner) => () => {
  const n = fresh();
  return signer.signPath(ACCOUNT, channelPattern(n), expiry(n));
};
const measurements = {
  ecdsaReference,
  ecdsaSignUrl: signUrlWith(signers.ecdsa),
  ecdsaSignPath: signPathWith(signers.ecdsa),
  rsaReference,
  rsaSignUrl: signUrlWith(signers.rsa),
  rsaSignPath: signPathWith(signers.rsa),
};
type Name = keyof typeof measurements;
const referenceOf = (name: Name): Name => (name.startsWith("ecdsa") ? "ecdsaReference" : "rsaReference");

console.log(`load average before: ${loadAverage()}; ${ROUNDS} rounds of ${SECONDS} s per measurement, in turns of ${SLICE_MS} ms, one thread`);
for (const signer of Object.values(signers)) await signer.signUrl(ACCOUNT, `${CDN}/warm-up`, new Date(FAR_FUTURE - 1000));
await perSecond(rsaReference, 0.5);
await perSecond(ecdsaReference, 0.5);

const rounds: Record<Name, { wall: number; cpu: number }>[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const figures = await interleaved(measurements);
  rounds.push(figures);
  const rates = (name: Name) =>
    `${figures[name].cpu.toFixed(0)}/s${name.endsWith("Reference") ? "" : ` (${(figures[name].cpu / figures[referenceOf(name)].cpu).toFixed(2)})`} [wall clock ${figures[name].wall.toFixed(0)}/s]`;
  console.log(`  round ${round} per CPU second: ${(Object.keys(measurements) as Name[]).map((name) => `${name} ${rates(name)}`).join(", ")}`);
}

const pemEverySignature = await perSecond((n) => getSignedUrl({ url: recordingUrl(n), keyPairId, privateKey: rsaPem, dateLessThan: expiry(n) }), 1);
const remembered = fresh();
const memoHits = await perSecond(() => signers.ecdsa.signUrl(ACCOUNT, recordingUrl(remembered), expiry(remembered)), 1);
console.log(`load average after: ${loadAverage()}`);

const rate = (name: Name) => median(rounds.map((figures) => figures[name].cpu));
const ratio = (name: Name, clock: "cpu" | "wall" = "cpu") => median(rounds.map((figures) => figures[name][clock] / figures[referenceOf(name)][clock]));
const speedUp = (name: Name) => median(rounds.map((figures) => figures[name].cpu / figures.rsaReference.cpu));
console.log(`for comparison, getSignedUrl parsing an RSA PEM at every signature (before the key was kept parsed): ${pemEverySignature.toFixed(0)}/s of wall clock`);
console.log(`memo hits (the same URL and expiry second again; no signature made): ${memoHits.toFixed(0)}/s of wall clock`);
for (const [kind, label] of [["rsa", "RSA-2048 (accounts made before; SHA-1)"], ["ecdsa", "ECDSA P-256 (new accounts; SHA-256)"]] as const) {
  const reference = `${kind}Reference` as const;
  const signUrl = `${kind}SignUrl` as const;
  const signPath = `${kind}SignPath` as const;
  console.log(`${label}: this machine's sign rate (crypto.sign, one thread) ${rate(reference).toFixed(0)}/s per CPU second (median of ${ROUNDS})`);
  console.log(
    `  signUrl, distinct URLs and expiries (canned policy): ${rate(signUrl).toFixed(0)}/s per CPU second, ratio to that rate ${ratio(signUrl).toFixed(2)} ` +
      `(median of ${ROUNDS}; target >= 0.8; by wall clock ${ratio(signUrl, "wall").toFixed(2)}); ${speedUp(signUrl).toFixed(1)}x the RSA-2048 rate`,
  );
  console.log(
    `  signPath, distinct paths and expiries (custom policy, query and cookies): ${rate(signPath).toFixed(0)}/s per CPU second, ratio ${ratio(signPath).toFixed(2)} ` +
      `(median of ${ROUNDS}; by wall clock ${ratio(signPath, "wall").toFixed(2)}); ${speedUp(signPath).toFixed(1)}x the RSA-2048 rate`,
  );
}
