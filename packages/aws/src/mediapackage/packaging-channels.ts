import {
  CreateChannelCommand,
  CreateOriginEndpointCommand,
  DeleteChannelCommand,
  DeleteOriginEndpointCommand,
  DescribeChannelCommand,
  DescribeOriginEndpointCommand,
  MediaPackageClient,
  NotFoundException,
} from "@aws-sdk/client-mediapackage";

/** The MediaPackage origin endpoint of a MediaPackage channel. */
export const originEndpointId = (packagingChannelId: string) => `${packagingChannelId}-live`;

export interface PackagingChannelSpec {
  id: string;
  description: string;
  segmentSeconds: number;
}

/** MediaPackage channels that a MediaLive channel pushes to, each with its one HLS origin endpoint. */
export class PackagingChannels {
  constructor(private readonly mediapackage: MediaPackageClient) {}

  async ensure({ id, description, segmentSeconds }: PackagingChannelSpec): Promise<void> {
    try {
      await this.mediapackage.send(new DescribeChannelCommand({ Id: id }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
      await this.mediapackage.send(new CreateChannelCommand({ Id: id, Description: description }));
    }
    const endpointId = originEndpointId(id);
    try {
      await this.mediapackage.send(new DescribeOriginEndpointCommand({ Id: endpointId }));
    } catch (error) {
      if (!(error instanceof NotFoundException)) throw error;
      // No startover window: the endpoint serves the live edge only; recordings come from the bucket.
      await this.mediapackage.send(
        new CreateOriginEndpointCommand({
          ChannelId: id,
          Id: endpointId,
          ManifestName: "master",
          HlsPackage: {
            SegmentDurationSeconds: segmentSeconds,
            PlaylistWindowSeconds: 60,
          },
        }),
      );
    }
  }

  async delete(id: string): Promise<void> {
    await ignoreNotFound(this.mediapackage.send(new DeleteOriginEndpointCommand({ Id: originEndpointId(id) })));
    await ignoreNotFound(this.mediapackage.send(new DeleteChannelCommand({ Id: id })));
  }
}

async function ignoreNotFound(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!(error instanceof NotFoundException)) throw error;
  }
}
