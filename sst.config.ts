/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: "visionstream",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
    };
  },
  async run() {
    // Before anything is created: a stage AWS cannot name everything after would deploy, then fail at every cold start.
    const { checkStageName } = await import("./stacks/stage-name.ts");
    checkStageName($app.stage, $app.name);
    const { table } = await import("./stacks/storage.ts");
    await import("./stacks/secrets.ts");
    const { bus } = await import("./stacks/bus.ts");
    const { whipUrl } = await import("./stacks/whip-gateway.ts");
    const { api } = await import("./stacks/api.ts");
    await import("./stacks/switcher.ts");
    const { site } = await import("./stacks/web.ts");
    return {
      apiUrl: api.url,
      webUrl: site.url,
      whipUrl,
      busName: bus.name,
      tableName: table.name,
    };
  },
});
