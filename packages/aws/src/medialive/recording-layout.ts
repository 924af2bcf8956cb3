/**
 * Where MediaLive records a session in the account bucket.
 *
 * MediaLive's S3 destination is a folder plus a base file name (no trailing slash), every file of an HLS output group
 * goes into that one folder, and the two pipelines of a STANDARD channel need destinations that differ
 * (https://docs.aws.amazon.com/medialive/latest/ug/hls-destinations-s3-design.html). So each pipeline records into a
 * folder of its own, and the rendition is in the file name (base file name + name modifier + "_" + counter):
 *
 *   recordings/<channelId>/<sessionId>/pipeline-<n>/index_<rendition>.m3u8
 *   recordings/<channelId>/<sessionId>/pipeline-<n>/index_<rendition>_000001.ts
 *
 * The recording is made from pipeline 0 (core's parseSegmentKey indexes only its segments, and MediaConvert joins its
 * playlist); pipeline 1's copy serves MediaLive's own redundancy and is deleted with the session.
 */

export const RECORDING_BASE_NAME = "index";

/** The pipeline whose files make the recording. */
export const RECORDED_PIPELINE = 0;

/** Where a channel records until its first start names a session. */
export const UNSTARTED_SESSION = "unstarted";

export const recordingPipelineFolder = (pipeline: number) => `pipeline-${pipeline}`;

/** The HLS output's name modifier: it puts the rendition into every file name of the output. */
export const recordingNameModifier = (renditionName: string) => `_${renditionName}`;

export interface RecordingDestination {
  bucketName: string;
  channelId: string;
  sessionId: string;
  pipeline: number;
}

export const recordingDestinationUrl = ({ bucketName, channelId, sessionId, pipeline }: RecordingDestination) =>
  `s3ssl://${bucketName}/recordings/${channelId}/${sessionId}/${recordingPipelineFolder(pipeline)}/${RECORDING_BASE_NAME}`;

const DESTINATION_URL = new RegExp(
  `^s3ssl://([^/]+)/recordings/([^/]+)/([^/]+)/pipeline-(\\d)/${RECORDING_BASE_NAME}$`,
);

/** The parts of a recording destination URL, or undefined for any other URL. */
export function parseRecordingDestination(url: string): RecordingDestination | undefined {
  const match = DESTINATION_URL.exec(url);
  if (!match) return undefined;
  return { bucketName: match[1]!, channelId: match[2]!, sessionId: match[3]!, pipeline: Number(match[4]) };
}

/** The key of the playlist MediaLive writes for one rendition of a session, in the recorded pipeline's folder. */
export const recordedPlaylistKey = (channelId: string, sessionId: string, renditionName: string) =>
  `recordings/${channelId}/${sessionId}/${recordingPipelineFolder(RECORDED_PIPELINE)}/${RECORDING_BASE_NAME}${recordingNameModifier(renditionName)}.m3u8`;
