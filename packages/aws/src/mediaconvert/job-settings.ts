import type { JobSettings } from "@aws-sdk/client-mediaconvert";
import { InvalidInput } from "@visionstream/core/errors";
import type { AssemblyRequest } from "@visionstream/core/recordings/recording";

/**
 * MediaLive's name for a rendition's playlist inside its folder: the recording group has no base file name and
 * the output's name modifier is `<rendition>/seg` (see ../medialive/encoder-settings.ts), so it writes
 * recordings/<channelId>/<sessionId>/<rendition>/seg.m3u8 beside seg_000001.ts, seg_000002.ts, ...
 */
export const RECORDING_PLAYLIST_NAME = "seg.m3u8";

/** The only input's only audio selector, which the passthrough audio reads. */
export const AUDIO_SELECTOR = "Audio Selector 1";

const MP4_EXTENSION = ".mp4";

/** The key of MediaLive's playlist of the rendition whose folder is `sourcePrefix`. */
export function recordingPlaylistKey(sourcePrefix: string): string {
  if (!sourcePrefix.endsWith("/")) throw new InvalidInput("sourcePrefix", `${JSON.stringify(sourcePrefix)} must end in "/"`);
  return `${sourcePrefix}${RECORDING_PLAYLIST_NAME}`;
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
