import { startPostgres } from "../helpers/postgres.ts";
import { fleetSuite } from "./fleet-suite.ts";

fleetSuite("postgres", startPostgres);
