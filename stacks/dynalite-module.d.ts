// stacks/tsconfig.json checks the tests here too, and function-reach.test.ts starts dynalite through
// @visionstream/aws/dynamodb/testing; the packages' declaration (packages/local) is outside this program.
declare module "dynalite" {
  import type { Server } from "node:http";
  interface DynaliteOptions {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    maxItemSizeKb?: number;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
