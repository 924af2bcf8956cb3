import type * as pulumi from "@pulumi/pulumi";

/** What a resource was declared with besides its inputs: Pulumi's mocks never see its options. */
export interface DeclaredOptions {
  /** The logical names of the resources it waits for. */
  dependsOn: string[];
  protect: boolean;
  /** The former names it takes over. */
  aliases: string[];
}

/**
 * @pulumi/aws with every class of the named modules (such as "cloudformation", "ec2") recording the options it is
 * declared with, by "<module>.<Class> <name>": a rule and its target, or a route table and its association, share a name.
 */
export function recordingOptions(aws: typeof import("@pulumi/aws"), modules: readonly string[]) {
  const declared = new Map<string, DeclaredOptions>();
  const recording = (module: string, exports: object) =>
    new Proxy(exports, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property);
        if (typeof value !== "function" || typeof property !== "string" || !/^[A-Z]/.test(property)) return value;
        return new Proxy(value, {
          construct: (Class, args: unknown[]) => {
            const [name, , opts] = args as [string, unknown, pulumi.CustomResourceOptions | undefined];
            const dependsOn = ([opts?.dependsOn ?? []].flat() as unknown as { __name: string }[]).map((resource) => resource.__name);
            const aliases = (opts?.aliases ?? []).map((alias) => (alias as { name: string }).name);
            declared.set(`${module}.${property} ${name}`, { dependsOn, protect: opts?.protect === true, aliases });
            return Reflect.construct(Class, args) as object;
          },
        });
      },
    });
  const wrapped = new Proxy(aws, {
    get: (target, property) => {
      const value: unknown = Reflect.get(target, property);
      return typeof property === "string" && modules.includes(property) ? recording(property, value as object) : value;
    },
  });
  return { aws: wrapped, declared };
}
