import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureBotocoreModels } from "./fetch-botocore.ts";

/** The parts of botocore's service-2.json (AWS's service model) that constrain a request. */
export interface MemberRef {
  shape: string;
  idempotencyToken?: boolean;
  streaming?: boolean;
  location?: string;
  locationName?: string;
}

export interface Shape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "boolean" | "timestamp" | "blob" | "double" | "float";
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
  union?: boolean;
  document?: boolean;
  streaming?: boolean;
  sensitive?: boolean;
}

export interface ServiceModel {
  metadata: { serviceId: string; apiVersion: string; protocol: string; endpointPrefix: string };
  operations: Record<string, { name: string; input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

export class UnknownService extends Error {
  override name = "UnknownService";
}

const loaded = new Map<string, ServiceModel>();

/** The newest model of a service in python3-botocore, by its botocore name (medialive, s3, events...). */
export function loadServiceModel(service: string): ServiceModel {
  const cached = loaded.get(service);
  if (cached) return cached;
  const directory = join(ensureBotocoreModels(), service);
  let versions: string[];
  try {
    versions = readdirSync(directory).sort();
  } catch {
    throw new UnknownService(`python3-botocore has no model of "${service}"`);
  }
  const model = JSON.parse(readFileSync(join(directory, versions.at(-1)!, "service-2.json"), "utf8")) as ServiceModel;
  loaded.set(service, model);
  return model;
}
