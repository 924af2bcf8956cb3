import type { Architecture } from "../packages/core/src/switcher/architecture.ts";
import { busFlowName, flowName, type Bus } from "../packages/core/src/switcher/switcher.ts";
import {
  MEDIACONNECT_SECRET_ACTIONS,
  MEDIACONNECT_VPC_ACTIONS,
  SCHEDULER_INVOKE_ACTIONS,
  scheduledSwitchFunctionName,
  switchScheduleGroupName,
} from "./permissions.ts";
import { busStandbySource } from "../packages/aws/src/mediaconnect/switcher-network.ts";
import { allowPolicy, serviceRole } from "./service-role.ts";
import { ingestDnsRecords, switcherVpcs, type SwitcherSubnet } from "./switcher-network.ts";
import { readSwitcherDeployments, type SwitcherDeployment, type SwitcherNetwork } from "./switcher-deployment.ts";
import { switcherEventForwarding } from "./switcher-events.ts";
import { switcherNames, type SwitcherResources } from "./switcher-resources.ts";

export {
  InvalidSwitcherDeployment,
  readSwitcherDeployment,
  readSwitcherDeployments,
  SwitcherNetwork,
  type SwitcherDeployment,
} from "./switcher-deployment.ts";

/** The one VPC interface of every switcher flow; the engine finds it by reading the flow. */
export const VPC_INTERFACE = "switcher";
const INGEST_SOURCE = "ingest";

/** CloudFormation logical ids are alphanumeric; ingest ids are lower case, so an upper-case Z cannot collide. */
const logicalId = (prefix: string, id: string) => `${prefix}${id.replace(/-/g, "Z")}`;

export interface RegionTemplateInput extends Omit<SwitcherDeployment, "network" | "released"> {
  /** The subnets and security groups: VISIONSTREAM_SWITCHER_NETWORK's, or those the file's network section made. */
  network: SwitcherNetwork;
  region: string;
  /** The MediaConnect role: reads the passphrase secrets and makes the VPC interfaces' network interfaces. */
  roleArn: string;
  /** Per region of the file, the availability zone of its subnet (a flow lives in its VPC interface's zone). */
  availabilityZones: Record<string, string>;
  /** CIDR of the home region's subnet: the bus flows call the ingest outputs from there. */
  busCidr: string;
  /** Secret name → ARN (in the region of the flow that uses it). */
  secretArns: Record<string, string>;
}

/**
 * The CloudFormation template of one region: an SRT-listener flow per ingest of that region (decrypting with its
 * passphrase secret) with an SRT-listener output on its VPC interface; in the home region (the first) the live and
 * preview flows, whose source the switcher engine points at an ingest's VPC output, with the file's outputs.
 */
export function switcherRegionTemplate(input: RegionTemplateInput) {
  const { switcherId, architecture, network, region } = input;
  const home = architecture.regions[0]!.id;
  const subnet = network.regions[region]!;
  const vpcInterfaces = [{ Name: VPC_INTERFACE, RoleArn: input.roleArn, SubnetId: subnet.subnetId, SecurityGroupIds: subnet.securityGroupIds }];
  const secretArn = (name: string) => {
    const arn = input.secretArns[name];
    if (!arn) throw new Error(`no ARN for the secret ${name}`);
    return arn;
  };
  const srtPassword = (secret: string) => ({ KeyType: "srt-password", RoleArn: input.roleArn, SecretArn: secretArn(secret) });
  const resources: Record<string, unknown> = {};
  /** A flow on the VPC interface, in its region's zone, and its one output. */
  const addFlow = (flow: string, name: string, { source, output, monitoring }: { source: object; output: object; monitoring?: object }) => {
    resources[flow] = {
      Type: "AWS::MediaConnect::Flow",
      Properties: {
        Name: name,
        AvailabilityZone: input.availabilityZones[region],
        Source: source,
        VpcInterfaces: vpcInterfaces,
        ...(monitoring && { SourceMonitoringConfig: monitoring }),
      },
    };
    resources[`${flow}Output`] = {
      Type: "AWS::MediaConnect::FlowOutput",
      Properties: { FlowArn: { "Fn::GetAtt": [flow, "FlowArn"] }, ...output },
    };
  };
  for (const ingest of architecture.ingests.filter((candidate) => candidate.region === region)) {
    addFlow(logicalId("Ingest", ingest.id), flowName(switcherId, ingest.id), {
      source: {
        Name: INGEST_SOURCE,
        Description: ingest.name,
        Protocol: "srt-listener",
        IngestPort: ingest.port,
        WhitelistCidr: ingest.allowCidr,
        MaxBitrate: ingest.maxBitrateKbps * 1000,
        Decryption: srtPassword(ingest.passphraseSecret),
      },
      output: {
        Name: VPC_INTERFACE,
        Description: `${ingest.name} to the switcher's live and preview flows`,
        Protocol: "srt-listener",
        Port: ingest.port,
        CidrAllowList: [input.busCidr],
        VpcInterfaceAttachment: { VpcInterfaceName: VPC_INTERFACE },
      },
    });
  }
  if (region === home) {
    for (const bus of ["live", "preview"] as const satisfies readonly Bus[]) {
      const output = architecture.outputs[bus];
      addFlow(logicalId("Bus", bus), busFlowName(switcherId, bus), {
        // The panel's monitors in AWS: the bus flow's source thumbnails (DescribeFlowSourceThumbnail), no transcode.
        monitoring: { ThumbnailState: "ENABLED" },
        // CloudFormation creates a flow with a VPC source only from a standard one: this closed listener stands in
        // until the engine's apply re-points the source (SRT caller over the VPC interface) at the first ingest.
        // The same for every file, so that a stack update never puts it back on a bus the switcher has pointed.
        source: { Name: INGEST_SOURCE, Description: "closed until the switcher points it at an ingest", ...busStandbySource() },
        output: {
          Name: bus,
          Description: `the switcher's ${bus} output`,
          Protocol: output.protocol,
          ...(output.protocol === "srt-listener"
            ? { Port: output.port, CidrAllowList: network.outputAllowCidrs }
            : { Destination: output.destination.split(":")[0], Port: Number(output.destination.split(":")[1]) }),
          ...(output.passphraseSecret && { Encryption: srtPassword(output.passphraseSecret) }),
          ...(architecture.network?.outputsOnVpc && { VpcInterfaceAttachment: { VpcInterfaceName: VPC_INTERFACE } }),
        },
      });
    }
  }
  Object.assign(resources, ingestDnsRecords(architecture, region, (ingestId) => logicalId("Ingest", ingestId)));
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Description: `VisionStream switcher ${switcherId} (${architecture.name}) in ${region}`,
    Resources: resources,
  };
}

/** Secret names per region: an ingest's in its region, the outputs' in the home region. */
export function secretsByRegion(architecture: Architecture): Map<string, Set<string>> {
  const byRegion = new Map<string, Set<string>>();
  const add = (region: string, name: string) => byRegion.set(region, (byRegion.get(region) ?? new Set()).add(name));
  for (const ingest of architecture.ingests) add(ingest.region, ingest.passphraseSecret);
  for (const bus of ["live", "preview"] as const) {
    const secret = architecture.outputs[bus].passphraseSecret;
    if (secret) add(architecture.regions[0]!.id, secret);
  }
  return byRegion;
}

/** What MediaConnect may do for the switcher's flows: read their passphrases, manage their VPC network interfaces. */
export const mediaConnectRolePolicy = (secretArns: readonly string[]) =>
  allowPolicy(
    [MEDIACONNECT_SECRET_ACTIONS, secretArns],
    // MediaConnect names the network interfaces it creates, so they cannot be scoped ahead.
    [MEDIACONNECT_VPC_ACTIONS, ["*"]],
  );

/** The regions of a switcher: the home region (live and preview) first, then those of its ingests. */
export const regionsOf = (architecture: Architecture) => [...new Set([architecture.regions[0]!.id, ...architecture.ingests.map((ingest) => ingest.region)])];

/**
 * The switcher's flows: one CloudFormation stack per region (the Terraform-based provider has no MediaConnect). Every
 * resource name carries the switcher's id, so that the stage's switchers live side by side. Unless released, the
 * switcher's resources are protected: a deploy without its file then fails ("unable to delete resource … as it is
 * currently marked for protection") instead of deleting its flows during a show; Pulumi refuses to delete or replace a
 * protected resource for any reason until a deploy sets protect to false
 * (https://www.pulumi.com/docs/iac/concepts/resources/options/protect/). The deploy's only switcher takes over the
 * resources of names without an id (formerNames).
 */
function switcherFlows(deployment: SwitcherDeployment, prefix: string, appRegion: string, formerNames: boolean) {
  const { switcherId, architecture } = deployment;
  const resources: SwitcherResources = { switcherId, protect: !deployment.released, formerNames };
  const { name: resourceName, options } = switcherNames(resources);
  const regions = regionsOf(architecture);
  const forwarding = switcherEventForwarding({ ...resources, regions, appRegion, stackPrefix: prefix });
  const home = regions[0]!;
  const vpcs = architecture.network && switcherVpcs({ ...resources, architecture, regions, prefix });
  const subnets: Record<string, SwitcherSubnet> =
    vpcs?.subnets ?? Object.fromEntries(regions.map((region) => [region, aws.ec2.getSubnetOutput({ id: deployment.network!.regions[region]!.subnetId, region })]));
  const secrets = [...secretsByRegion(architecture)].flatMap(([region, names]) =>
    [...names].map((name) => ({ region, name, arn: aws.secretsmanager.getSecretOutput({ name, region }).arn })),
  );
  // Neither protected nor aliased (serviceRole takes no options): the stacks depend on it, so Pulumi deletes it only
  // after them; a stage deployed before names carried the id gets a new role, and its flows its ARN.
  const { role, policy } = serviceRole(resourceName("SwitcherMediaConnectRole"), {
    principal: "mediaconnect.amazonaws.com",
    description: `MediaConnect flows of switcher ${switcherId} in ${prefix}`,
    policy: $util.all(secrets.map((secret) => secret.arn)).apply((arns) => JSON.stringify(mediaConnectRolePolicy(arns))),
  });
  return regions.map((region) => {
    const secretArns = $util.all(secrets.filter((secret) => secret.region === region).map((secret) => $util.all([secret.name, secret.arn])));
    const availabilityZones = $util.all(regions.map((name) => subnets[name]!.availabilityZone.apply((zone) => [name, zone] as const)));
    const templateBody = $util
      .all([role.arn, secretArns, availabilityZones, subnets[home]!.cidrBlock, vpcs ? vpcs.flowNetwork : deployment.network!])
      .apply(([roleArn, arns, zones, busCidr, network]) =>
        JSON.stringify(
          switcherRegionTemplate({
            ...deployment,
            network,
            region,
            roleArn,
            availabilityZones: Object.fromEntries(zones),
            busCidr,
            secretArns: Object.fromEntries(arns),
          }),
        ),
      );
    const stackName = resourceName("SwitcherFlows", region);
    return new aws.cloudformation.Stack(
      stackName,
      // The handlers read the switcher and region from this name.
      { name: `${prefix}-${switcherId}-${region}`, region, templateBody },
      // The role must read the secrets before MediaConnect creates a flow that decrypts with them; the region's events
      // must be forwarded before its flows and stack emit the first ones.
      options(stackName, [policy, ...(forwarding.get(region) ?? [])]),
    );
  });
}

/** What EventBridge Scheduler may do with the lineups' schedules: invoke the scheduled-switch function (any version). */
export const switchSchedulerPolicy = (functionArn: string) => allowPolicy([SCHEDULER_INVOKE_ACTIONS, [functionArn, `${functionArn}:*`]]);

/**
 * EventBridge Scheduler's side of the lineups: the group that holds every switcher's one-time schedules and the role
 * they invoke the scheduled-switch function with (its name is fixed, so that its ARN is known before it exists).
 */
export function switchScheduling(name: string, prefix: string) {
  const group = new aws.scheduler.ScheduleGroup(`${name}Group`, { name: switchScheduleGroupName(prefix) });
  const functionName = scheduledSwitchFunctionName(prefix);
  const functionArn = $util
    .all([aws.getRegionOutput().region, aws.getCallerIdentityOutput().accountId])
    .apply(([region, accountId]) => `arn:aws:lambda:${region}:${accountId}:function:${functionName}`);
  const { role, policy } = serviceRole(`${name}Role`, {
    principal: "scheduler.amazonaws.com",
    description: `EventBridge Scheduler: the switch lineups of ${prefix}`,
    policy: functionArn.apply((arn) => JSON.stringify(switchSchedulerPolicy(arn))),
  });
  return { group, role, policy, functionName, functionArn };
}

const deployments = readSwitcherDeployments(process.env);

// The app's region is needed as a value: it decides which regions get forwarding rules.
const appRegion = deployments.length > 0 ? (await aws.getRegion()).region : "";
export const flows = deployments.flatMap((deployment) => switcherFlows(deployment, `${$app.name}-${$app.stage}`, appRegion, deployments.length === 1));
