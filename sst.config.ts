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
    const { table } = await import("./stacks/storage.ts");
    await import("./stacks/secrets.ts");
    const { bus } = await import("./stacks/bus.ts");
    const { api } = await import("./stacks/api.ts");
    await import("./stacks/switcher.ts");
    return {
      apiUrl: api.url,
      busName: bus.name,
      tableName: table.name,
    };
  },
});
