import type { Socket } from "node:net";
import { z } from "zod";
import { AmfDecodeError, type AmfObject, type AmfValue, decodeAmf0, decodeAmf0Value, encodeAmf0 } from "./amf0.ts";
import { ChunkReader, DEFAULT_CHUNK_SIZE, encodeChunks, MESSAGE_TYPE, RtmpProtocolError, type RtmpMessage } from "./chunks.ts";
import { FLV_TAG, type FlvTagType } from "./flv.ts";
import { answerHandshake, checkClientVersion, HANDSHAKE_SIZE } from "./handshake.ts";
import type { RtmpIngestOptions, Verdict } from "./types.ts";
import { FlvPublishSession } from "./session.ts";

const HANDSHAKE_TIMEOUT_MS = 10_000;
const IDLE_TIMEOUT_MS = 30_000;
const CLOSE_GRACE_MS = 2_000;
const OUT_CHUNK_SIZE = 4096;
const WINDOW_ACK_SIZE = 5_000_000;
const PEER_BANDWIDTH_DYNAMIC = 2;

const CHUNK_STREAM = { control: 2, command: 3, status: 5 } as const;
const USER_CONTROL = { pingRequest: 6, pingResponse: 7 } as const;

const ConnectObject = z.object({ app: z.string() });
const StreamName = z.string().min(1);

type Hooks = Pick<RtmpIngestOptions, "authorize" | "onPublish" | "onRefused">;

/** One RTMP connection from accept to close: handshake, chunk stream, NetConnection and NetStream commands. */
export class RtmpConnection {
  readonly closed: Promise<void>;
  private phase: "hello" | "ack" | "chunks" | "closed" = "hello";
  private handshakeInput: Buffer = Buffer.alloc(0);
  private readonly reader = new ChunkReader((message) => this.onMessage(message));
  private outChunkSize = DEFAULT_CHUNK_SIZE;
  private bytesIn = 0;
  private acknowledgedAt = 0;
  private peerWindow = 0;
  private app: string | undefined;
  private nextStreamId = 1;
  private publishRequested = false;
  private session: FlvPublishSession | undefined;

  constructor(
    private readonly socket: Socket,
    readonly remoteAddress: string,
    private readonly hooks: Hooks,
  ) {
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.setNoDelay(true);
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS);
    socket.on("timeout", () => this.fail(this.phase === "chunks" ? "idle for too long" : "handshake timed out"));
    socket.on("data", (data) => this.receive(data));
    socket.on("error", () => {});
    socket.on("close", () => this.onSocketClosed());
  }

  destroy(reason: string): void {
    this.fail(reason);
    this.socket.destroy();
  }

  private receive(data: Buffer): void {
    if (this.phase === "closed") return;
    try {
      this.bytesIn += data.length;
      const chunks = this.phase === "chunks" ? data : this.handshake(data);
      if (chunks && chunks.length > 0) this.reader.push(chunks);
      this.acknowledge();
    } catch (error) {
      this.fail(describe(error));
    }
  }

  /** Answers C0+C1 with S0+S1+S2 and waits for C2; returns what follows C2. */
  private handshake(data: Buffer): Buffer | undefined {
    if (this.phase === "hello" && this.handshakeInput.length === 0) checkClientVersion(data[0]!);
    let input = this.handshakeInput.length === 0 ? data : Buffer.concat([this.handshakeInput, data]);
    if (this.phase === "hello") {
      if (input.length < HANDSHAKE_SIZE + 1) {
        this.handshakeInput = input;
        return undefined;
      }
      this.socket.write(answerHandshake(input.subarray(0, HANDSHAKE_SIZE + 1)));
      this.phase = "ack";
      input = input.subarray(HANDSHAKE_SIZE + 1);
    }
    if (this.phase === "ack") {
      if (input.length < HANDSHAKE_SIZE) {
        this.handshakeInput = Buffer.from(input);
        return undefined;
      }
      this.phase = "chunks";
      this.handshakeInput = Buffer.alloc(0);
      this.socket.setTimeout(IDLE_TIMEOUT_MS);
      return input.subarray(HANDSHAKE_SIZE);
    }
    return undefined;
  }

  private acknowledge(): void {
    if (this.peerWindow === 0 || this.phase !== "chunks" || this.bytesIn - this.acknowledgedAt < this.peerWindow) return;
    this.acknowledgedAt = this.bytesIn;
    this.sendControl(MESSAGE_TYPE.acknowledgement, uint32(this.bytesIn % 2 ** 32));
  }

  private onMessage(message: RtmpMessage): void {
    const { type, payload } = message;
    switch (type) {
      case MESSAGE_TYPE.setChunkSize:
        this.reader.setChunkSize(readUint32(payload, 0) & 0x7fffffff);
        return;
      case MESSAGE_TYPE.abort:
        this.reader.abort(readUint32(payload, 0));
        return;
      case MESSAGE_TYPE.windowAcknowledgementSize:
        this.peerWindow = readUint32(payload, 0);
        return;
      case MESSAGE_TYPE.userControl:
        this.userControl(payload);
        return;
      case MESSAGE_TYPE.audio:
        this.session?.media(FLV_TAG.audio, message.timestamp, payload);
        return;
      case MESSAGE_TYPE.video:
        this.session?.media(FLV_TAG.video, message.timestamp, payload);
        return;
      case MESSAGE_TYPE.dataAmf0:
        this.data(message.timestamp, payload);
        return;
      case MESSAGE_TYPE.dataAmf3:
        this.data(message.timestamp, payload.subarray(1));
        return;
      case MESSAGE_TYPE.commandAmf0:
        this.command(message, decodeAmf0(payload));
        return;
      case MESSAGE_TYPE.commandAmf3:
        this.command(message, decodeAmf0(payload, 1));
        return;
      case MESSAGE_TYPE.aggregate:
        this.aggregate(message.timestamp, payload);
        return;
      default:
        // acknowledgements, peer bandwidth and shared objects need nothing from an ingest
        return;
    }
  }

  private userControl(payload: Buffer): void {
    if (payload.length < 2) throw new RtmpProtocolError("user control message too short");
    if (payload.readUInt16BE(0) !== USER_CONTROL.pingRequest) return;
    const answer = Buffer.alloc(6);
    answer.writeUInt16BE(USER_CONTROL.pingResponse, 0);
    answer.writeUInt32BE(readUint32(payload, 2), 2);
    this.sendControl(MESSAGE_TYPE.userControl, answer);
  }

  /** `@setDataFrame onMetaData {...}` (or a bare onMetaData) becomes the FLV script tag `onMetaData {...}`. */
  private data(timestamp: number, payload: Buffer): void {
    if (!this.session) return;
    const first = decodeAmf0Value(payload);
    if (first.value === "onMetaData") {
      this.session.media(FLV_TAG.scriptData, timestamp, payload);
    } else if (first.value === "@setDataFrame" && decodeAmf0Value(payload, first.offset).value === "onMetaData") {
      this.session.media(FLV_TAG.scriptData, timestamp, payload.subarray(first.offset));
    }
  }

  /** An aggregate message holds FLV tags whose timestamps count from the message's own. */
  private aggregate(timestamp: number, payload: Buffer): void {
    let base: number | undefined;
    for (let at = 0; at < payload.length; ) {
      if (at + 11 > payload.length) throw new RtmpProtocolError("truncated aggregate message");
      const type = payload[at]!;
      const size = payload.readUIntBE(at + 1, 3);
      const tagTime = (payload.readUIntBE(at + 4, 3) | (payload[at + 7]! << 24)) >>> 0;
      const end = at + 11 + size;
      if (end > payload.length) throw new RtmpProtocolError("truncated aggregate message");
      base ??= tagTime;
      if (type === FLV_TAG.audio || type === FLV_TAG.video || type === FLV_TAG.scriptData) {
        const data = payload.subarray(at + 11, end);
        const time = (timestamp + tagTime - base) >>> 0;
        if (type === FLV_TAG.scriptData) this.data(time, data);
        else this.session?.media(type as FlvTagType, time, data);
      }
      at = end + 4;
    }
  }

  private command(message: RtmpMessage, values: AmfValue[]): void {
    const [name, transaction] = values;
    if (typeof name !== "string") throw new RtmpProtocolError("command without a name");
    const id = typeof transaction === "number" ? transaction : 0;
    switch (name) {
      case "connect":
        this.connect(id, values[2]);
        return;
      case "releaseStream":
        this.sendCommand(0, "_result", id, null);
        return;
      case "FCPublish":
        this.sendCommand(0, "onFCPublish", 0, null, statusObject("status", "NetStream.Publish.Start", "FCPublish"));
        return;
      case "createStream":
        this.sendCommand(0, "_result", id, null, this.nextStreamId++);
        return;
      case "publish":
        this.publish(message.streamId, values[3]).catch((error: unknown) => this.fail(describe(error)));
        return;
      case "FCUnpublish":
      case "deleteStream":
      case "closeStream":
        this.session?.end("unpublished");
        return;
      case "play":
      case "play2":
        this.sendStatus(message.streamId, "error", "NetStream.Play.Failed", "this server only takes publishers");
        this.refuse("playback is not supported");
        return;
      default:
      // Like nginx-rtmp: no answer. An _error is fatal to ffmpeg for any call it does not know to be optional.
    }
  }

  private connect(transaction: number, commandObject: AmfValue): void {
    const parsed = ConnectObject.safeParse(commandObject);
    if (!parsed.success) throw new RtmpProtocolError("connect without an app");
    this.app = parsed.data.app;
    this.sendControl(MESSAGE_TYPE.windowAcknowledgementSize, uint32(WINDOW_ACK_SIZE));
    this.sendControl(MESSAGE_TYPE.setPeerBandwidth, Buffer.concat([uint32(WINDOW_ACK_SIZE), Buffer.from([PEER_BANDWIDTH_DYNAMIC])]));
    this.sendControl(MESSAGE_TYPE.setChunkSize, uint32(OUT_CHUNK_SIZE));
    this.outChunkSize = OUT_CHUNK_SIZE;
    this.sendCommand(
      0,
      "_result",
      transaction,
      { fmsVer: "FMS/3,5,7,7009", capabilities: 31, mode: 1 },
      { ...statusObject("status", "NetConnection.Connect.Success", "Connection succeeded."), objectEncoding: 0 },
    );
  }

  private async publish(streamId: number, name: AmfValue): Promise<void> {
    if (this.publishRequested) {
      this.sendStatus(streamId, "error", "NetStream.Publish.BadName", "already publishing on this connection");
      this.report("a second publish on one connection");
      return;
    }
    this.publishRequested = true;
    const streamName = StreamName.safeParse(name);
    if (this.app === undefined || !streamName.success) {
      const reason = this.app === undefined ? "publish before connect" : "publish without a stream name";
      this.sendStatus(streamId, "error", "NetStream.Publish.BadName", reason);
      this.refuse(reason);
      return;
    }
    // Nothing after `publish` is read until it is decided, so its answer comes before anything that follows.
    this.reader.pause();
    this.socket.pause();
    const verdict = await this.decide({ app: this.app, streamName: streamName.data, remoteAddress: this.remoteAddress });
    if (this.phase === "closed") return;
    if (!verdict.ok) {
      this.sendStatus(streamId, "error", "NetStream.Publish.BadName", verdict.reason);
      this.refuse(verdict.reason);
      return;
    }
    const session = new FlvPublishSession(this.app, streamName.data, this.remoteAddress, (reason) => this.fail(reason));
    this.session = session;
    this.sendStatus(streamId, "status", "NetStream.Publish.Start", "publishing");
    try {
      this.hooks.onPublish(session);
    } catch {
      session.close("onPublish failed");
      return;
    }
    this.socket.resume();
    try {
      this.reader.resume();
    } catch (error) {
      this.fail(describe(error));
    }
  }

  private async decide(request: { app: string; streamName: string; remoteAddress: string }): Promise<Verdict> {
    try {
      const verdict = await this.hooks.authorize(request);
      if (verdict?.ok === true) return { ok: true };
      return { ok: false, reason: typeof verdict?.reason === "string" ? verdict.reason : "publish refused" };
    } catch {
      return { ok: false, reason: "authorization failed" };
    }
  }

  private sendControl(type: number, payload: Buffer): void {
    this.send({ chunkStreamId: CHUNK_STREAM.control, type, streamId: 0, timestamp: 0, payload });
  }

  private sendCommand(streamId: number, ...values: AmfValue[]): void {
    const chunkStreamId = streamId === 0 ? CHUNK_STREAM.command : CHUNK_STREAM.status;
    this.send({ chunkStreamId, type: MESSAGE_TYPE.commandAmf0, streamId, timestamp: 0, payload: encodeAmf0(...values) });
  }

  private sendStatus(streamId: number, level: "status" | "error", code: string, description: string): void {
    this.sendCommand(streamId, "onStatus", 0, null, statusObject(level, code, description));
  }

  private send(message: Parameters<typeof encodeChunks>[0]): void {
    if (this.phase === "closed") return;
    this.socket.write(encodeChunks(message, this.outChunkSize));
  }

  private report(reason: string): void {
    try {
      this.hooks.onRefused?.({ remoteAddress: this.remoteAddress, reason });
    } catch {
      // a failing log hook must not take the connection's cleanup with it
    }
  }

  /** Turns the client away after what was written is flushed (so it reads why), then closes. */
  private refuse(reason: string): void {
    if (this.phase === "closed") return;
    this.report(reason);
    this.phase = "closed";
    this.reader.stop();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  /** Closes at once: a publisher's session ends with the reason, anything earlier is reported as refused. */
  private fail(reason: string): void {
    if (this.phase === "closed") return;
    if (this.session) this.session.end(reason);
    else this.report(reason);
    this.phase = "closed";
    this.reader.stop();
    this.socket.destroy();
  }

  private onSocketClosed(): void {
    this.session?.end("the publisher disconnected");
    this.phase = "closed";
    this.reader.stop();
  }
}

function statusObject(level: "status" | "error", code: string, description: string): AmfObject {
  return { level, code, description };
}

function uint32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

function readUint32(payload: Buffer, at: number): number {
  if (payload.length < at + 4) throw new RtmpProtocolError("control message too short");
  return payload.readUInt32BE(at);
}

function describe(error: unknown): string {
  if (error instanceof AmfDecodeError) return `malformed AMF0: ${error.message}`;
  return error instanceof Error ? error.message : "malformed input";
}
