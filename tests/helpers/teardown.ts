// Loopback servers and a gateway that a test starts, stopped after each test of the file that calls this
// (it registers the afterEach): one place for the bookkeeping the receiver and collector tests share.
import { afterEach } from "bun:test";
import type { Server } from "bun";
import type { TestGateway } from "./gateway.ts";

export interface Started {
  /** Push each server a test starts; pop one to stop it early. */
  readonly servers: Server<undefined>[];
  /** Registers the test's gateway and returns it. */
  gateway(gw: TestGateway): TestGateway;
}

export function stopAfterEach(): Started {
  const servers: Server<undefined>[] = [];
  let gw: TestGateway | undefined;
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop(true);
    await gw?.stop();
    gw = undefined;
  });
  return { servers, gateway: (g) => (gw = g) };
}
