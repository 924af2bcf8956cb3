import type { JobSettings } from "@aws-sdk/client-mediaconvert";
import { InvalidInput } from "@visionstream/core/errors";
import type { AssemblyRequest } from "@visionstream/core/recordings/recording";
import { recordedPlaylistKey } from "../medialive/recording-layout.ts";

/** The only input's only audio selector, which the passthrough audio reads. */
export const AUDIO_SELECTOR = "Audio Selector 1";

const MP4_EXTENSION = ".mp4";

const SOURCE_PREFIX = /^recordings\/([^/]+)\/([^/]+)\/([a-z0-9]+)\/$/;

/**
 * The key of MediaLive's playlist of the rendition that `sourcePrefix` (recordings/<channelId>/<sessionId>/<rendition>/,
 * as the domain names it in both runtimes) stands for: in AWS the rendition is in the file name, in the recorded
 * pipeline's folder (see ../medialive/recording-layout.ts).
 */
export function recordingPlaylistKey(sourcePrefix: string): string {
  const match = SOURCE_PREFIX.exec(sourcePrefix);
  if (!match) {
    throw new InvalidInput("sourcePrefix", `${JSON.stringify(sourcePrefix)} is not recordings/<channelId>/<sessionId>/<rendition>/`);
  }
  return recordedPlaylistKey(match[1]!, match[2]!, match[3]!);
}

/** What MediaConvert's "Job State Change" events carry back, so that their handler finds the recording. */
export const vodJobUserMetadata = ({ recordingId, accountId }: Pick<AssemblyRequest, "recordingId" | "accountId">) => ({
  recordingId,
  accountId,
});

/**
 * One job that joins a recording without re-encoding: MediaLive's HLS playlist of the rendition as the only input
 * (MediaConvert reads its .ts segments in order), H.264 video and AAC audio passed through, into one MP4 whose
 * moov atom comes first so that players can start before the whole file has arrived.
 * A FILE_GROUP destination is a base name: MediaConvert appends the extension, so vod/<id> becomes vod/<id>.mp4.
 */
export function vodJobSettings(request: AssemblyRequest, { playlistKey }: { playlistKey: string }): JobSettings {
  if (!request.outputKey.endsWith(MP4_EXTENSION)) {
    throw new InvalidInput("outputKey", `${JSON.stringify(request.outputKey)} must end in ${MP4_EXTENSION}`);
  }
  const baseName = request.outputKey.slice(0, -MP4_EXTENSION.length);
  return {
    TimecodeConfig: { Source: "ZEROBASED" },
    Inputs: [
      {
        FileInput: `s3://${request.bucketName}/${playlistKey}`,
        AudioSelectors: { [AUDIO_SELECTOR]: { DefaultSelection: "DEFAULT" } },
      },
    ],
    OutputGroups: [
      {
        Name: "vod",
        OutputGroupSettings: {
          Type: "FILE_GROUP_SETTINGS",
          FileGroupSettings: { Destination: `s3://${request.bucketName}/${baseName}` },
        },
        Outputs: [
          {
            Extension: MP4_EXTENSION.slice(1),
            ContainerSettings: { Container: "MP4", Mp4Settings: { MoovPlacement: "PROGRESSIVE_DOWNLOAD" } },
            VideoDescription: { CodecSettings: { Codec: "PASSTHROUGH" } },
            AudioDescriptions: [{ AudioSourceName: AUDIO_SELECTOR, CodecSettings: { Codec: "PASSTHROUGH" } }],
          },
        ],
      },
    ],
  };
}
