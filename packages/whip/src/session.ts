import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RtcpPacket,
  RtcpSrPacket,
  type RtpPacket,
  useAbsSendTime,
  useSdesMid,
} from "werift";
import { AUDIO_PAYLOAD_TYPE, VIDEO_PAYLOAD_TYPE } from "./rtmp-forward.ts";
import { checkOffer, type OfferMedia, OfferRefused } from "./offer.ts";

/** What of werift's ICE settings a deployment sets: its public address, the UDP ports its firewall opens, STUN servers. */
export interface IceOptions {
  iceAdditionalHostAddresses?: string[];
  icePortRange?: [number, number];
  iceServers?: { urls: string }[];
  /** Only these interfaces' addresses are candidates (all when absent). */
  iceInterfaceAddresses?: { udp4?: string; udp6?: string };
}

export interface MediaSink {
  rtp(kind: "video" | "audio", packet: Buffer): void;
  rtcp(kind: "video" | "audio", packet: Buffer): void;
}

export interface WhipSession {
  answer: string;
  media: OfferMedia;
  /** Asks the browser for keyframes (a forwarder starting needs one to begin with): a few, from when the connection is up. */
  requestKeyframe(): void;
  /** Resolves once the connection has ended (closed, failed, or disconnected for longer than the grace). */
  ended: Promise<string>;
  close(): Promise<void>;
  stats(): { videoPackets: number; audioPackets: number; bytes: number; lastPacketAt: number | undefined };
}

const DISCONNECTED_GRACE_MS = 10_000;
const KEYFRAME_ASKS_MS = [0, 500, 1_500, 3_000, 6_000];

const h264 = () =>
  new RTCRtpCodecParameters({
    mimeType: "video/H264",
    clockRate: 90_000,
    payloadType: VIDEO_PAYLOAD_TYPE,
    // No transport-cc: werift's feedback makes Chrome's send-side estimate fall (300 to 144 kb/s in 6 s on loopback);
    // without it Chrome's loss-based estimate climbs from the start bitrate the answer gives.
    rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "ccm", parameter: "fir" }],
    parameters: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f",
  });
const opus = () => new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48_000, channels: 2, payloadType: AUDIO_PAYLOAD_TYPE });

/** Where Chrome's bandwidth estimate starts (its own default is 300 kb/s, a blurred first minute): kb/s. */
const START_BITRATE_KBPS = 2_500;

/** The answer's H.264 format parameters (under the payload type the offer gave H.264), with the start bitrate Chrome reads from them. */
function withStartBitrate(sdp: string): string {
  const payloadType = /^a=rtpmap:(\d+) H264\//m.exec(sdp)?.[1];
  return payloadType ? sdp.replace(new RegExp(`^(a=fmtp:${payloadType} [^\\r\\n]*)`, "m"), `$1;x-google-start-bitrate=${START_BITRATE_KBPS}`) : sdp;
}

/** Gathering our own candidates is local (host addresses, and STUN only when configured): bounded so a request never hangs on it. */
async function gathered(pc: RTCPeerConnection, boundMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, boundMs);
    pc.iceGatheringStateChange.subscribe((state) => {
      if (state === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** The answer to a WHIP offer, and the RTP of its tracks handed to `sink` with the payload types the sink knows. */
export async function acceptOffer(offer: string, sink: MediaSink, ice: IceOptions = {}): Promise<WhipSession> {
  const media = checkOffer(offer);
  const pc = new RTCPeerConnection({
    codecs: { video: [h264()], audio: [opus()] },
    headerExtensions: { video: [useSdesMid(), useAbsSendTime()], audio: [useSdesMid()] },
    ...(ice.iceAdditionalHostAddresses ? { iceAdditionalHostAddresses: ice.iceAdditionalHostAddresses } : {}),
    ...(ice.icePortRange ? { icePortRange: ice.icePortRange } : {}),
    ...(ice.iceServers ? { iceServers: ice.iceServers } : {}),
    ...(ice.iceInterfaceAddresses ? { iceInterfaceAddresses: ice.iceInterfaceAddresses } : {}),
  });
  let videoPackets = 0;
  let audioPackets = 0;
  let bytes = 0;
  let lastPacketAt: number | undefined;
  const keyframeAskers: (() => void)[] = [];
  const timers: NodeJS.Timeout[] = [];
  let connected = false;
  let keyframesWanted = false;
  // Asked before DTLS is up, a PLI goes nowhere: the asks are counted from the connection.
  const askForKeyframes = () => {
    for (const delay of KEYFRAME_ASKS_MS) timers.push(setTimeout(() => keyframeAskers.forEach((ask) => ask()), delay));
  };

  pc.onTransceiverAdded.subscribe((transceiver) => {
    transceiver.onTrack.subscribe((track) => {
      const kind = track.kind === "video" ? "video" : "audio";
      const payloadType = kind === "video" ? VIDEO_PAYLOAD_TYPE : AUDIO_PAYLOAD_TYPE;
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => {
        rtp.header.payloadType = payloadType;
        const packet = rtp.serialize();
        if (kind === "video") videoPackets++;
        else audioPackets++;
        bytes += packet.length;
        lastPacketAt = Date.now();
        sink.rtp(kind, packet);
      });
      if (kind === "video") keyframeAskers.push(() => track.ssrc !== undefined && void transceiver.receiver.sendRtcpPLI(track.ssrc).catch(() => undefined));
    });
    // Sender reports place each track on one clock: the forwarder starts audio and video in step from them.
    transceiver.receiver.onRtcp.subscribe((rtcp: RtcpPacket) => {
      if (rtcp instanceof RtcpSrPacket) sink.rtcp(transceiver.kind === "video" ? "video" : "audio", rtcp.serialize());
    });
  });

  const ended = new Promise<string>((resolve) => {
    let disconnected: NodeJS.Timeout | undefined;
    const end = (reason: string) => {
      clearTimeout(disconnected);
      resolve(reason);
    };
    pc.connectionStateChange.subscribe((state) => {
      if (state === "disconnected") disconnected ??= setTimeout(() => end("the connection was lost"), DISCONNECTED_GRACE_MS);
      else if (state === "connected") {
        clearTimeout(disconnected);
        disconnected = undefined;
        if (!connected && keyframesWanted) askForKeyframes();
        connected = true;
      } else if (state === "failed") end("the connection failed");
      else if (state === "closed") end("the session was closed");
    });
  });

  try {
    await pc.setRemoteDescription({ type: "offer", sdp: offer }).catch((error: unknown) => {
      throw new OfferRefused("sdp", `the offer could not be read: ${(error as Error).message}`);
    });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc, 3_000);
  } catch (error) {
    await pc.close().catch(() => undefined);
    throw error;
  }
  const answer = pc.localDescription?.sdp;
  if (!answer) {
    await pc.close().catch(() => undefined);
    throw new Error("no answer was made for the offer");
  }
  return {
    answer: withStartBitrate(answer),
    media,
    requestKeyframe: () => {
      if (connected) askForKeyframes();
      else keyframesWanted = true;
    },
    ended,
    close: async () => {
      timers.forEach(clearTimeout);
      await pc.close().catch(() => undefined);
    },
    stats: () => ({ videoPackets, audioPackets, bytes, lastPacketAt }),
  };
}
