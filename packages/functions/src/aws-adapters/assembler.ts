import { MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { AwsVodAssembler } from "@visionstream/aws/mediaconvert/assembler";
import type { AdapterFactory } from "./context.ts";

/** A recording's MP4, made by a MediaConvert job. */
export const vodAssembler: AdapterFactory<"assembler"> = ({ config }) =>
  new AwsVodAssembler({ mediaconvert: new MediaConvertClient({ region: config.AWS_REGION }), roleArn: config.VISIONSTREAM_MEDIACONVERT_ROLE_ARN });
