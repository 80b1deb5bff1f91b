// The governance store: where virtual keys, budgets, rate counters and reservations live (platform.md §3.7).
// `openStore` picks the implementation from `governance.store`; every one passes tests/govern/store-contract.ts.
import type { StoreSpec } from "../../config/model.ts";
import { MemoryStore } from "./memory.ts";
import { PostgresStore } from "./postgres.ts";
import { RedisStore } from "./redis.ts";
import { SqliteStore } from "./sqlite.ts";
import type { GovernanceStore } from "./types.ts";

export type { StoreSpec } from "../../config/model.ts";
export * from "./types.ts";

/** Opens (and on first use creates) the store; throws when it is unreachable or holds an incompatible schema. */
export async function openStore(spec: StoreSpec): Promise<GovernanceStore> {
  switch (spec.kind) {
    case "memory":
      return new MemoryStore();
    case "sqlite":
      return new SqliteStore(spec);
    case "redis":
      return RedisStore.open(spec);
    case "postgres":
      return PostgresStore.open(spec);
    default: {
      const never: never = spec;
      throw new Error(`unknown governance store ${String(never)}`);
    }
  }
}
