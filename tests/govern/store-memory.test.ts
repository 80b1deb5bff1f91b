import { MemoryStore } from "../../src/govern/store/memory.ts";
import { storeContract } from "./store-contract.ts";

storeContract("memory", { open: async () => new MemoryStore() });
