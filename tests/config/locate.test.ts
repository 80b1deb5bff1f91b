// platform.md §1.1 / CFG-02: which config and catalog files are used.
import { describe, expect, test } from "bun:test";
import { locateCatalog, locateConfigFile } from "../../src/config/load.ts";

const existing = (...paths: string[]) => (p: string) => paths.includes(p);

describe("locateConfigFile: --config > BUSBAR_CONFIG > ./config.yaml > /etc/busbar/config.yaml", () => {
  const all = existing("/flag.yaml", "/env.yaml", "/cwd/config.yaml", "/etc/busbar/config.yaml");

  test("each level wins over the ones after it", () => {
    expect([
      locateConfigFile("/flag.yaml", { BUSBAR_CONFIG: "/env.yaml" }, all, "/cwd"),
      locateConfigFile(undefined, { BUSBAR_CONFIG: "/env.yaml" }, all, "/cwd"),
      locateConfigFile(undefined, {}, all, "/cwd"),
      locateConfigFile(undefined, {}, existing("/etc/busbar/config.yaml"), "/cwd"),
    ]).toEqual([{ path: "/flag.yaml" }, { path: "/env.yaml" }, { path: "/cwd/config.yaml" }, { path: "/etc/busbar/config.yaml" }]);
  });

  test("an explicit file that is missing is an error, never a fallback", () => {
    expect(locateConfigFile("/typo.yaml", {}, all, "/cwd")).toEqual({
      error: "config file not found: /typo.yaml (set BUSBAR_CONFIG, pass --config, or try: busbar demo)",
    });
    expect(locateConfigFile(undefined, { BUSBAR_CONFIG: "/gone.yaml" }, all, "/cwd")).toEqual({
      error: "config file not found: /gone.yaml (set BUSBAR_CONFIG, pass --config, or try: busbar demo)",
    });
  });

  test("nothing anywhere names both default locations", () => {
    expect(locateConfigFile(undefined, { BUSBAR_CONFIG: "" }, existing(), "/cwd")).toEqual({
      error: "config file not found: /cwd/config.yaml, /etc/busbar/config.yaml (set BUSBAR_CONFIG, pass --config, or try: busbar demo)",
    });
  });
});

describe("locateCatalog: --providers > BUSBAR_PROVIDERS > embedded", () => {
  test("precedence", () => {
    expect([
      locateCatalog("/f.yaml", { BUSBAR_PROVIDERS: "/e.yaml" }),
      locateCatalog(undefined, { BUSBAR_PROVIDERS: "/e.yaml" }),
      locateCatalog(undefined, {}),
      locateCatalog("", { BUSBAR_PROVIDERS: "" }),
    ]).toEqual([{ path: "/f.yaml" }, { path: "/e.yaml" }, { embedded: true }, { embedded: true }]);
  });
});
