import { type ChildProcess, execFile, spawn } from "node:child_process";
import { connect, type Socket } from "node:net";
import { promisify } from "node:util";
import { type AmfValue, decodeAmf0, encodeAmf0 } from "./amf0.ts";
import { ChunkReader, encodeChunks, MESSAGE_TYPE, type RtmpMessage } from "./chunks.ts";
import { HANDSHAKE_SIZE } from "./handshake.ts";

/** Child processes started by a test, to kill in afterEach. */
export class Children {
  private readonly running = new Set<ChildProcess>();

  spawn(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess & { exited: Promise<number | null>; stderrText: () => string } {
    const child = spawn(command, args, { stdio: ["pipe", "ignore", "pipe"], env });
    let stderr = "";
    child.stderr?.on("data", (data: Buffer) => {
      stderr = (stderr + data.toString()).slice(-20_000);
    });
    child.stdin?.on("error", () => {});
    this.running.add(child);
    const exited = new Promise<number | null>((resolve) => {
      child.on("close", (code) => {
        this.running.delete(child);
        resolve(code);
      });
    });
    return Object.assign(child, { exited, stderrText: () => stderr });
  }

  killAll(): void {
    for (const child of this.running) child.kill("SIGKILL");
    this.running.clear();
  }
}

/** ffmpeg publishing a test pattern (720p30 H.264 + 1 kHz AAC) to `url` in real time. */
export function ffmpegPublishArgs(url: string, { seconds, videoBitrate }: { seconds: number; videoBitrate?: string }): string[] {
  return [
    ...["-hide_banner", "-nostdin", "-loglevel", "error", "-re"],
    ...["-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"],
    ...["-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "60"],
    ...(videoBitrate ? ["-b:v", videoBitrate] : []),
    ...["-c:a", "aac", "-f", "flv", url],
  ];
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
}

/** ffprobe's streams and format of a file. */
export async function ffprobe(path: string): Promise<{ streams: ProbedStream[]; format: { duration?: string; format_name: string } }> {
  const { stdout } = await promisify(execFile)("ffprobe", ["-v", "error", "-of", "json", "-show_streams", "-show_format", path], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** A hand-driven RTMP client: the simple handshake, then messages in and out as the chunk layer carries them. */
export class RawRtmpClient {
  readonly messages: RtmpMessage[] = [];
  readonly closed: Promise<void>;
  received = 0;
  private handshakeLeft = 1 + 2 * HANDSHAKE_SIZE;
  private readonly reader = new ChunkReader((message) => {
    if (message.type === MESSAGE_TYPE.setChunkSize) this.reader.setChunkSize(message.payload.readUInt32BE(0));
    this.messages.push(message);
    this.notify();
  });
  private waiters: Array<() => void> = [];
  private handshaken!: () => void;
  private readonly handshakeDone = new Promise<void>((resolve) => {
    this.handshaken = resolve;
  });

  private constructor(readonly socket: Socket) {
    socket.on("error", () => {});
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    void this.closed.then(() => this.notify());
    socket.on("data", (data: Buffer) => {
      this.received += data.length;
      if (this.handshakeLeft > 0) {
        const used = Math.min(this.handshakeLeft, data.length);
        this.handshakeLeft -= used;
        data = data.subarray(used);
        if (this.handshakeLeft === 0) this.handshaken();
      }
      if (data.length > 0) this.reader.push(data);
    });
  }

  static async open(port: number): Promise<RawRtmpClient> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawRtmpClient(socket);
  }

  /** C0+C1 (version 0: no digest), then C2 once S0+S1+S2 have arrived. */
  async handshake(): Promise<void> {
    const hello = Buffer.alloc(1 + HANDSHAKE_SIZE);
    hello[0] = 3;
    this.socket.write(hello);
    await this.handshakeDone;
    this.socket.write(Buffer.alloc(HANDSHAKE_SIZE));
  }

  write(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  send(message: { type: number; payload: Buffer; streamId?: number; timestamp?: number; chunkStreamId?: number }, chunkSize = 128): void {
    const { type, payload, streamId = 0, timestamp = 0, chunkStreamId = 3 } = message;
    this.write(encodeChunks({ chunkStreamId, type, streamId, timestamp, payload }, chunkSize));
  }

  command(streamId: number, ...values: AmfValue[]): void {
    this.send({ type: MESSAGE_TYPE.commandAmf0, payload: encodeAmf0(...values), streamId, chunkStreamId: streamId === 0 ? 3 : 8 });
  }

  /** connect, createStream and publish as ffmpeg sends them; resolves with the publish's onStatus code. */
  async publish(app: string, streamName: string): Promise<string | undefined> {
    this.command(0, "connect", 1, { app, type: "nonprivate", tcUrl: `rtmp://127.0.0.1/${app}` });
    await this.waitForCommand("_result");
    this.command(0, "createStream", 2, null);
    await this.waitForCommand("_result", (values) => values[1] === 2);
    this.command(1, "publish", 3, null, streamName, "live");
    const status = await this.waitForCommand("onStatus");
    return (status[3] as { code?: string } | undefined)?.code;
  }

  async waitForCommand(name: string, match: (values: AmfValue[]) => boolean = () => true, timeoutMs = 5_000): Promise<AmfValue[]> {
    const message = await this.waitFor((m) => {
      if (m.type !== MESSAGE_TYPE.commandAmf0) return false;
      const values = decodeAmf0(m.payload);
      return values[0] === name && match(values);
    }, timeoutMs);
    return decodeAmf0(message.payload);
  }

  waitFor(match: (message: RtmpMessage) => boolean, timeoutMs = 5_000): Promise<RtmpMessage> {
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error("timed out waiting for a message"));
      }, timeoutMs);
      let seen = 0;
      const check = () => {
        for (; seen < this.messages.length; seen++) {
          const message = this.messages[seen]!;
          if (match(message)) {
            clearTimeout(deadline);
            this.waiters = this.waiters.filter((w) => w !== check);
            resolve(message);
            return;
          }
        }
        if (this.socket.destroyed) {
          clearTimeout(deadline);
          this.waiters = this.waiters.filter((w) => w !== check);
          reject(new Error("connection closed while waiting for a message"));
        }
      };
      this.waiters.push(check);
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}
