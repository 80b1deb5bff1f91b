// The provider catalog (platform.md §1.1, §1.8): `catalog/providers.yaml` compiled into the binary.
// A catalog given by `--providers`/`BUSBAR_PROVIDERS` replaces it whole (no merge), so an operator
// can pin or trim the set. It is data shipped with busbar, not deployment config, so `${NAME}` is
// not expanded in it: per-deployment overrides belong in the operator config.
import catalogText from "../../catalog/providers.yaml" with { type: "text" };
import * as v from "valibot";
import { readDocument } from "./document.ts";
import { type Catalog, CatalogSchema } from "./schema.ts";

/** How the embedded catalog is named in messages. */
export const EMBEDDED_CATALOG_FILE = "embedded catalog";

/** The embedded catalog exactly as shipped (`busbar --print-catalog` prints it byte for byte). */
export function embeddedCatalogText(): string {
  // bun-types declares *.yaml imports as parsed data; the `type: "text"` attribute makes it a string.
  const text: unknown = catalogText;
  if (typeof text !== "string") throw new Error("embedded catalog was not bundled as text");
  return text;
}

export type CatalogResult =
  | { readonly ok: true; readonly catalog: Catalog }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * Parses and validates catalog text; errors are §1.6 lines prefixed with the file's name. The embedded catalog is
 * vetted at build time (tests/config/catalog.test.ts), so it is read with Bun's native YAML parser: the `yaml`
 * package's position-keeping document model left ~5 MiB more resident after boot (2-vCPU VM, idle RSS is budgeted
 * at 60 MiB). Should that ever fail, the full reader below runs and words the errors.
 */
export function parseCatalog(text: string, file: string): CatalogResult {
  if (file === EMBEDDED_CATALOG_FILE && text === embeddedCatalogText()) {
    try {
      const quick = v.safeParse(CatalogSchema, Bun.YAML.parse(text));
      if (quick.success) return { ok: true, catalog: quick.output };
    } catch {
      // fall through to the full reader
    }
  }
  const doc = readDocument({ schema: CatalogSchema, text, file });
  return doc.ok ? { ok: true, catalog: doc.value } : { ok: false, errors: doc.errors };
}
