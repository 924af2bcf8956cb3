import * as MediaPackageV2 from "@aws-sdk/client-mediapackagev2";
import { mockClient, type AwsCommand, type AwsStub } from "aws-sdk-client-mock";

// @aws-sdk/client-mediapackagev2 3.699 (the only version the registry offers) is typed on @smithy/types 3, and
// aws-sdk-client-mock on version 4, so TypeScript refuses its client and commands to the mock. These are the very same
// objects (the stub intercepts them and scripts/aws-definitions checks them as usual), typed for the mock.

type InputOf<C> = C extends new (input: infer I) => unknown ? I & object : never;
type MockedCommand<C> = new (input: InputOf<C>) => AwsCommand<InputOf<C>, any>;

const mocked = <C>(command: C) => command as unknown as MockedCommand<C>;

export const mockPackagingClient = () =>
  mockClient(MediaPackageV2.MediaPackageV2Client as never) as unknown as AwsStub<object, any, unknown>;

export const Packaging = {
  CreateChannelCommand: mocked(MediaPackageV2.CreateChannelCommand),
  CreateOriginEndpointCommand: mocked(MediaPackageV2.CreateOriginEndpointCommand),
  DeleteChannelCommand: mocked(MediaPackageV2.DeleteChannelCommand),
  DeleteOriginEndpointCommand: mocked(MediaPackageV2.DeleteOriginEndpointCommand),
  DeleteOriginEndpointPolicyCommand: mocked(MediaPackageV2.DeleteOriginEndpointPolicyCommand),
  GetChannelCommand: mocked(MediaPackageV2.GetChannelCommand),
  GetOriginEndpointCommand: mocked(MediaPackageV2.GetOriginEndpointCommand),
  ListOriginEndpointsCommand: mocked(MediaPackageV2.ListOriginEndpointsCommand),
  PutOriginEndpointPolicyCommand: mocked(MediaPackageV2.PutOriginEndpointPolicyCommand),
};
