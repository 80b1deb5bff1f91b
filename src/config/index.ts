// Configuration: the operator file and provider catalog, from text to the frozen GatewayConfig (platform.md §1).
export { EMBEDDED_CATALOG_FILE, embeddedCatalogText, parseCatalog, type CatalogResult } from "./catalog.ts";
export { expandEnv, type EnvMap, type Expansion } from "./env.ts";
export { loadConfig, type LoadInput, type LoadResult } from "./load.ts";
export { locateCatalog, locateConfigFile, SYSTEM_CONFIG_PATH } from "./locate.ts";
export type * from "./model.ts";
export { ERROR_CLASSES } from "./model.ts";
export { runValidate, type ValidateOptions, type ValidateOutcome } from "./validate.ts";
