// `busbar demo`: the mock upstream in-process plus a gateway in front of it, on 127.0.0.1 only.
import { embeddedCatalogText } from "../config/catalog.ts";
import { loadConfig } from "../config/load.ts";
import { startMockUpstream, type MockUpstream } from "../mock/index.ts";
import type { Logger } from "../observe/log.ts";
import { buildRuntime } from "../runtime.ts";
import { listen, type Listening } from "../serve.ts";
import { demoBanner } from "./banner.ts";
import { demoConfigYaml } from "./config.ts";

export interface Demo {
  readonly gateway: Listening;
  readonly mock: MockUpstream;
  readonly banner: string;
  stop(): Promise<void>;
}

export function startDemo(port: number, log: Logger): Demo {
  // Faults on: `demo-flaky`'s first member fails through the model-name directive `@fail-rate=0.3`.
  const mock = startMockUpstream({ host: "127.0.0.1", port: 0, faults: true });
  const loaded = loadConfig({
    configText: demoConfigYaml(mock.url, port),
    configFile: "demo.yaml",
    catalogText: embeddedCatalogText(),
    catalogFile: "embedded catalog",
    env: {},
  });
  if (!loaded.ok) {
    void mock.stop();
    throw new Error(`demo config invalid (a bug):\n${loaded.errors.join("\n")}`);
  }
  const rt = buildRuntime(loaded.config, { log });
  const gateway = listen(rt);
  return {
    gateway,
    mock,
    banner: demoBanner(gateway.url, mock.url),
    async stop() {
      await gateway.stop();
      await mock.stop();
    },
  };
}
