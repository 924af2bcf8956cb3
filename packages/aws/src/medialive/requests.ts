import type {
  CreateChannelCommandInput,
  CreateInputCommandInput,
  OutputDestination,
} from "@aws-sdk/client-medialive";
import type { ChannelSpec } from "@visionstream/core/channels/channel";
import type { Ladder } from "@visionstream/core/channels/ladder";
import {
  AUDIO_SELECTOR,
  LIVE_DESTINATION,
  RECORDING_DESTINATION,
  UNSTARTED_SESSION,
  encoderSettings,
  recordingDestinationUrl,
} from "./encoder-settings.ts";
import { LiveResourceMissing, RTMP_APPLICATION, pipelines, type LiveResourceNames } from "./live-resources.ts";

export function createInputRequest(
  spec: ChannelSpec,
  names: LiveResourceNames,
  tags: Record<string, string>,
  securityGroupId: string,
): CreateInputCommandInput {
  return {
    Name: names.name,
    RequestId: names.inputRequestId,
    Type: spec.inputType,
    InputSecurityGroups: [securityGroupId],
    // An RTP input always gets two endpoints on port 5000; an RTMP input one per pipeline.
    ...(spec.inputType === "RTMP_PUSH" && {
      Destinations: Array.from({ length: pipelines(spec) }, () => ({
        StreamName: `${RTMP_APPLICATION}/${spec.streamKey}`,
      })),
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
  ladder,
}: {
  spec: ChannelSpec;
  names: LiveResourceNames;
  tags: Record<string, string>;
  inputId: string;
  roleArn: string;
  ladder: Ladder;
}): CreateChannelCommandInput {
  const recordingUrl = recordingDestinationUrl(spec.bucketName, spec.channelId, UNSTARTED_SESSION);
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
    // Broadcasters push MPEG-2 HD over RTP; RTMP carries H.264.
    InputSpecification: {
      Codec: spec.inputType === "RTP_PUSH" ? "MPEG2" : "AVC",
      Resolution: "HD",
      MaximumBitrate: "MAX_20_MBPS",
    },
    Destinations: [
      {
        Id: RECORDING_DESTINATION,
        Settings: Array.from({ length: pipelines(spec) }, () => ({ Url: recordingUrl })),
      },
      { Id: LIVE_DESTINATION, MediaPackageSettings: [{ ChannelId: names.name }] },
    ],
    EncoderSettings: encoderSettings(ladder),
    Tags: tags,
  };
}

/** The channel's destinations with the recording moved to recordings/<channelId>/<sessionId>/. */
export function withRecordingSession(
  engineChannelId: string,
  destinations: OutputDestination[],
  sessionId: string,
): OutputDestination[] {
  const recording = destinations.find((destination) => destination.Id === RECORDING_DESTINATION);
  if (!recording?.Settings?.length) {
    throw new LiveResourceMissing("MediaLive channel", engineChannelId, "recording destination");
  }
  return destinations.map((destination) =>
    destination.Id !== RECORDING_DESTINATION
      ? destination
      : {
          ...destination,
          Settings: (destination.Settings ?? []).map((settings) => {
            const match = /^(s3ssl:\/\/[^/]+\/recordings\/[^/]+\/)[^/]+\/$/.exec(settings.Url ?? "");
            if (!match) throw new LiveResourceMissing("MediaLive channel", engineChannelId, "recordings/ destination");
            return { ...settings, Url: `${match[1]}${sessionId}/` };
          }),
        },
  );
}
