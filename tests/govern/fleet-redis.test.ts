import { startRedis } from "../helpers/redis.ts";
import { fleetSuite } from "./fleet-suite.ts";

fleetSuite("redis", startRedis);
