export const table = new sst.aws.Dynamo("Table", {
  fields: { pk: "string", sk: "string", gsi1pk: "string", gsi1sk: "string" },
  primaryIndex: { hashKey: "pk", rangeKey: "sk" },
  globalIndexes: { gsi1: { hashKey: "gsi1pk", rangeKey: "gsi1sk" } },
});

/** The persistence store of @aws-lambda-powertools/idempotency, with its default attribute names. */
export const idempotencyTable = new sst.aws.Dynamo("IdempotencyTable", {
  fields: { id: "string" },
  primaryIndex: { hashKey: "id" },
  ttl: "expiration",
});
