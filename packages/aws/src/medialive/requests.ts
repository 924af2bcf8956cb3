import type {
  CreateChannelCommandInput,
  CreateInputCommandInput,
  OutputDestination,
} from "@aws-sdk/client-medialive";
import { SRT_LATENCY_MS, type ChannelSpec } from "@visionstream/core/channels/channel";
import type { Ladder } from "@visionstream/core/channels/ladder";
import { AUDIO_SELECTOR, LIVE_DESTINATION, RECORDING_DESTINATION, encoderSettings } from "./encoder-settings.ts";
import { LiveResourceMissing, RTMP_APPLICATION, SRT_ALGORITHM, pipelines, type LiveResourceNames } from "./live-resources.ts";
import {
  UNSTARTED_SESSION,
  parseRecordingDestination,
  recordingDestinationUrl,
} from "./recording-layout.ts";

/**
 * An RTP input always gets two endpoints on port 5000, an SRT listener input two endpoints too; an RTMP input one per
 * pipeline. An SRT listener input must decrypt: MediaLive reads the passphrase from the secret with the channel's role.
 */
export function createInputRequest(
  spec: ChannelSpec,
  names: LiveResourceNames,
  tags: Record<string, string>,
  securityGroupId: string,
  passphraseSecretArn?: string,
): CreateInputCommandInput {
  if (spec.inputType === "SRT_LISTENER" && !passphraseSecretArn) throw new LiveResourceMissing("SRT input", names.name, "passphrase secret");
  return {
    Name: names.name,
    RequestId: names.inputRequestId,
    Type: spec.inputType,
    InputSecurityGroups: [securityGroupId],
    ...(spec.inputType === "RTMP_PUSH" && {
      Destinations: Array.from({ length: pipelines(spec) }, () => ({
        StreamName: `${RTMP_APPLICATION}/${spec.streamKey}`,
      })),
    }),
    ...(spec.inputType === "SRT_LISTENER" && {
      SrtSettings: {
        SrtListenerSettings: {
          Decryption: { Algorithm: SRT_ALGORITHM, PassphraseSecretArn: passphraseSecretArn },
          MinimumLatency: SRT_LATENCY_MS,
        },
      },
    }),
    Tags: tags,
  };
}

export function createChannelRequest({
  spec,
  names,
  tags,
  inputId,
  roleArn,
  channelGroup,
  ladder,
}: {
  spec: ChannelSpec;
  names: LiveResourceNames;
  tags: Record<string, string>;
  inputId: string;
  roleArn: string;
  /** The stage's MediaPackage v2 channel group, where the channel's packaging channel (named names.name) is. */
  channelGroup: string;
  ladder: Ladder;
}): CreateChannelCommandInput {
  return {
    Name: names.name,
    RequestId: names.channelRequestId,
    ChannelClass: spec.redundancy === "STANDARD" ? "STANDARD" : "SINGLE_PIPELINE",
    RoleArn: roleArn,
    InputAttachments: [
      {
        InputId: inputId,
        InputAttachmentName: names.name,
        InputSettings: { AudioSelectors: [{ Name: AUDIO_SELECTOR }] },
      },
    ],
    // Broadcasters push MPEG-2 HD over RTP; RTMP and SRT encoders send H.264.
    InputSpecification: {
      Codec: spec.inputType === "RTP_PUSH" ? "MPEG2" : "AVC",
      Resolution: "HD",
      MaximumBitrate: "MAX_20_MBPS",
    },
    Destinations: [
      {
        Id: RECORDING_DESTINATION,
        Settings: Array.from({ length: pipelines(spec) }, (_, pipeline) => ({
          Url: recordingDestinationUrl({
            bucketName: spec.bucketName,
            channelId: spec.channelId,
            sessionId: UNSTARTED_SESSION,
            pipeline,
          }),
        })),
      },
      // One entry for both pipelines: MediaLive sends pipeline n to the packaging channel's ingest endpoint n.
      { Id: LIVE_DESTINATION, MediaPackageSettings: [{ ChannelGroup: channelGroup, ChannelName: names.name }] },
    ],
    EncoderSettings: encoderSettings(ladder),
    Tags: tags,
  };
}

/** The session that every recording destination of the channel points at, or undefined when they differ. */
export function recordingSession(engineChannelId: string, destinations: OutputDestination[]): string | undefined {
  const sessions = new Set(recordingDestinations(engineChannelId, destinations).map(({ sessionId }) => sessionId));
  return sessions.size === 1 ? [...sessions][0] : undefined;
}

/** The channel's destinations with the recording moved to recordings/<channelId>/<sessionId>/, pipeline by pipeline. */
export function withRecordingSession(
  engineChannelId: string,
  destinations: OutputDestination[],
  sessionId: string,
): OutputDestination[] {
  const recording = recordingDestinations(engineChannelId, destinations);
  return destinations.map((destination) =>
    destination.Id !== RECORDING_DESTINATION
      ? destination
      : {
          ...destination,
          Settings: (destination.Settings ?? []).map((settings, index) => ({
            ...settings,
            Url: recordingDestinationUrl({ ...recording[index]!, sessionId }),
          })),
        },
  );
}

function recordingDestinations(engineChannelId: string, destinations: OutputDestination[]) {
  const recording = destinations.find((destination) => destination.Id === RECORDING_DESTINATION);
  if (!recording?.Settings?.length) {
    throw new LiveResourceMissing("MediaLive channel", engineChannelId, "recording destination");
  }
  return recording.Settings.map((settings) => {
    const parsed = parseRecordingDestination(settings.Url ?? "");
    if (!parsed) throw new LiveResourceMissing("MediaLive channel", engineChannelId, "recordings/ destination");
    return parsed;
  });
}
