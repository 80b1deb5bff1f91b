// A second (third, …) busbar instance for the cross-process store tests: opens the store named in argv, prints
// "ready", waits for a line on stdin so every worker starts together, fires its admissions all at once and prints
// how many were admitted.
import { openStore, type StoreSpec } from "../../src/govern/store/index.ts";
import type { AdmitLimits } from "../../src/govern/store/types.ts";
import { admission } from "./store-contract.ts";

export interface WorkerJob {
  readonly spec: StoreSpec;
  readonly count: number;
  readonly limits: Partial<AdmitLimits>;
}

const job: WorkerJob = JSON.parse(process.argv[2] ?? "{}");
const store = await openStore(job.spec);
process.stdout.write("ready\n");
for await (const _ of console) break;
const rs = await Promise.all(Array.from({ length: job.count }, () => store.admit(admission({ limits: job.limits }))));
await store.close();
process.stdout.write(`${JSON.stringify({ admitted: rs.filter((r) => r.ok).length })}\n`);
