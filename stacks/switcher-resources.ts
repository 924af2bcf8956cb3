/** How the resources of one switcher are declared: see switcherFlows (stacks/switcher.ts). */
export interface SwitcherResources {
  switcherId: string;
  /** Unless the switcher is named in VISIONSTREAM_SWITCHER_RELEASE. */
  protect: boolean;
  /**
   * The deploy's only switcher: it keeps the resources a stage deployed while names carried no switcher id (one
   * switcher per stage then), rather than create them again beside them (its stacks' names would collide).
   */
  formerNames: boolean;
}

/**
 * Names that carry the switcher's id (`<kind>-<id>-<rest>`), and the options of the resource so named. The longest,
 * SwitcherForwardFlows-<id>-ap-southeast-5, takes 63 of the 64 characters of an EventBridge rule's name once Pulumi
 * adds its 8-character suffix.
 */
export function switcherNames({ switcherId, protect, formerNames }: SwitcherResources) {
  const name = (kind: string, rest?: string) => [kind, switcherId, ...(rest ? [rest] : [])].join("-");
  const options = (resourceName: string, dependsOn: $util.Resource[] = []): $util.CustomResourceOptions => ({
    protect,
    dependsOn,
    // An alias applies only when the stage's state holds a resource of that name (https://www.pulumi.com/docs/iac/concepts/resources/options/aliases/).
    ...(formerNames && { aliases: [{ name: resourceName.replace(`-${switcherId}`, "") }] }),
  });
  return { name, options };
}
