import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { Conflict } from "@visionstream/core/errors";
import { Switcher, type SwitcherRepository } from "@visionstream/core/switcher/switcher";
import { listedItem, TableRepository } from "./table.ts";

const switcherKey = (switcherId: string) => ({ pk: `SWITCHER#${switcherId}`, sk: "SWITCHER" });
const byAccount = (accountId: string) => `ACCOUNT#${accountId}#SWITCHER`;
const itemOf = (switcher: Switcher) => listedItem(switcherKey(switcher.id), byAccount(switcher.accountId), switcher);

/** A switcher is one item keyed by its id (flows and schedules name only the switcher), listed per account through gsi1. */
export class DynamoSwitcherRepository extends TableRepository implements SwitcherRepository {
  async create(switcher: Switcher): Promise<void> {
    await this.table.create(itemOf(switcher)).catch((error: unknown) => {
      // Two requests with the same id from the file at once: the second finds it taken.
      if (error instanceof ConditionalCheckFailedException) throw new Conflict(`id: switcher ${switcher.id} exists already; give another id or none`, { field: "id" });
      throw error;
    });
  }

  findById(switcherId: string): Promise<Switcher | undefined> {
    return this.table.get(Switcher, switcherKey(switcherId));
  }

  get(accountId: string, switcherId: string): Promise<Switcher | undefined> {
    return this.table.getOfAccount(Switcher, switcherKey(switcherId), accountId);
  }

  list(accountId: string): Promise<Switcher[]> {
    return this.table.newestFirst(Switcher, byAccount(accountId));
  }

  put(next: Switcher): Promise<boolean> {
    return this.table.putIf(itemOf(next), {
      ConditionExpression: "attribute_exists(pk) AND #version = :previous",
      ExpressionAttributeNames: { "#version": "version" },
      ExpressionAttributeValues: { ":previous": next.version - 1 },
    });
  }

  remove(accountId: string, switcherId: string): Promise<void> {
    return this.table.delete(switcherKey(switcherId), {
      ConditionExpression: "attribute_not_exists(pk) OR accountId = :account",
      ExpressionAttributeValues: { ":account": accountId },
    });
  }
}
