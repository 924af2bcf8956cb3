type Grant = readonly [actions: readonly string[], resources: readonly string[]];

/** An IAM policy document that allows each grant's actions on its resources. */
export const allowPolicy = (...grants: Grant[]) => ({
  Version: "2012-10-17",
  Statement: grants.map(([actions, resources]) => ({ Effect: "Allow", Action: [...actions], Resource: [...resources] })),
});

/**
 * A role that an AWS service assumes to act for the stage (the principal, such as "medialive.amazonaws.com"), with its
 * inline policy. With sourceAccount the service may assume it only when acting for that account (confused deputy).
 */
export function serviceRole(
  name: string,
  args: { principal: string; description: string; policy: $util.Input<string>; sourceAccount?: $util.Input<string> },
) {
  const trust = { Effect: "Allow", Principal: { Service: args.principal }, Action: "sts:AssumeRole" };
  const role = new aws.iam.Role(name, {
    description: args.description,
    assumeRolePolicy:
      args.sourceAccount === undefined
        ? JSON.stringify({ Version: "2012-10-17", Statement: [trust] })
        : $jsonStringify({
            Version: "2012-10-17",
            Statement: [{ ...trust, Condition: { StringEquals: { "aws:SourceAccount": args.sourceAccount } } }],
          }),
  });
  const policy = new aws.iam.RolePolicy(`${name}Policy`, { role: role.id, policy: args.policy });
  return { role, policy };
}
