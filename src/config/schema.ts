// The two files' shapes as valibot schemas (platform.md §1.4, §1.8); the schema is the type.
// Every mapping is strict, so an unknown key fails at any depth, list items included (§1.6); the
// message functions here produce the expected-vs-actual half of each §1.6 line.
import * as v from "valibot";
import { PROTOCOL_NAMES } from "../ir/protocol.ts";
import { describeEnumInput, describeType } from "./messages.ts";
import { type ClientAuthMode, ERROR_CLASSES } from "./model.ts";
import { parseListen } from "./listen.ts";

type AnyIssue = v.BaseIssue<unknown>;
const mustBe = (what: string) => (issue: AnyIssue): string => `must be ${what} (got ${describeType(issue.input)})`;

const str = () => v.string(mustBe("a string"));
const nonEmpty = () => v.pipe(str(), v.minLength(1, "must not be empty"));
const bool = () => v.boolean(mustBe("true or false"));
const num = () => v.pipe(v.number(mustBe("a number")), v.integer((i) => `must be a whole number (got ${i.input})`));
const atLeast = (min: number) => v.pipe(num(), v.minValue(min, (i) => `must be >= ${min} (got ${i.input})`));
const oneOf = <const T extends readonly string[]>(options: T) =>
  v.picklist(options, (i) => `must be one of ${options.join(", ")} (got ${describeEnumInput(i.input)})`);
const mapping = <const E extends v.ObjectEntries>(entries: E) => v.strictObject(entries, mustBe("a mapping"));
const recordOf = <const T extends v.GenericSchema>(value: T) => v.record(v.string(), value, mustBe("a mapping"));
const list = <const T extends v.GenericSchema>(item: T) => v.array(item, mustBe("a list"));

/**
 * The default bind is loopback, not 0.0.0.0: with the default `auth.mode: none`, a newcomer's
 * first config then starts instead of tripping the open-relay refusal (spec README platform
 * decision 7); binding wider is an explicit choice that comes with choosing client auth.
 */
export const DEFAULT_LISTEN = "127.0.0.1:8080";
export const DEFAULT_MAX_CONCURRENT = 256;
export const DEFAULT_BODY_MAX_BYTES = 33_554_432;

export const CLIENT_AUTH_MODES = ["none", "token", "passthrough"] as const satisfies readonly ClientAuthMode[];
/** How a key is sent upstream when the protocol's native style is not wanted; `none` = keyless. */
export const AUTH_STYLES = ["bearer", "api-key", "none"] as const;

// Secrets are named, never written: a value that does not look like a variable name is most
// likely the key itself, so this message never echoes it.
const envVarName = v.pipe(
  str(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the NAME of an environment variable (letters, digits, _), not its value"),
);
const upstreamPath = v.pipe(str(), v.startsWith("/", 'must start with "/"'));
const errorMap = recordOf(oneOf(ERROR_CLASSES));

/** Fields a catalog row and an operator provider entry share; the operator's win per field. */
const sharedProviderFields = {
  protocol: v.optional(oneOf(PROTOCOL_NAMES)),
  base_url: v.optional(nonEmpty()),
  path: v.optional(upstreamPath),
  auth: v.optional(oneOf(AUTH_STYLES)),
  region: v.optional(nonEmpty()),
  error_map: v.optional(errorMap),
  allow_private_network: v.optional(bool()),
};

export const ProviderSchema = mapping({
  ...sharedProviderFields,
  api_key_env: v.optional(envVarName),
  api_key_file: v.optional(nonEmpty()),
  allow_metadata_hosts: v.optional(bool()),
  ca_file: v.optional(nonEmpty()),
});

export const ModelSchema = mapping({
  provider: nonEmpty(),
  max_concurrent: v.optional(atLeast(1), DEFAULT_MAX_CONCURRENT),
  max_requests: v.optional(
    v.pipe(num(), v.check((n: number) => n === -1 || n >= 1, (i) => `must be -1 (unlimited) or >= 1 (got ${i.input})`)),
    -1,
  ),
  upstream_model: v.optional(nonEmpty()),
  default_max_tokens: v.optional(atLeast(1)),
  attempt_timeout_ms: v.optional(atLeast(1)),
  /** The model accepts a reasoning ask (protocols.md §10.3): the ask crosses only to such lanes. */
  reasoning: v.optional(bool(), false),
  /** The lane honours model-gated cache markers (protocols.md §3.3 step 6). */
  prompt_caching: v.optional(bool(), false),
});

export const PoolMemberSchema = mapping({
  target: nonEmpty(),
  weight: v.optional(atLeast(1), 1),
  context_max: v.optional(atLeast(1)),
  /** Overrides the model's `reasoning` within this pool (the member beats the model). */
  reasoning: v.optional(bool()),
});

export const TRANSLATION_MODES = ["lossy", "strict"] as const;

export const PoolSchema = mapping({
  members: v.pipe(list(PoolMemberSchema), v.minLength(1, "must list at least one member")),
  /** `strict` refuses a lossy translation with a 400 naming the fields (spec README, loss ledger). */
  translation: v.optional(oneOf(TRANSLATION_MODES)),
  /** OpenAI callers receive thinking as `reasoning_content` only when the pool opts in (spec README D11). */
  reasoning_content: v.optional(bool(), false),
});

export const ClientAuthSchema = mapping({
  mode: v.optional(oneOf(CLIENT_AUTH_MODES), "none"),
  client_tokens: v.optional(list(nonEmpty()), []),
  /** One token per line, blank lines ignored (platform.md §1.5). */
  client_tokens_file: v.optional(nonEmpty()),
  allow_open_relay: v.optional(bool(), false),
});

const listen = v.pipe(str(), v.check((s: string) => parseListen(s) !== undefined, "must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080"));

// Optional sections accept an empty YAML value (`limits:` with every child commented out) as {}.
export const OperatorConfigSchema = mapping({
  listen: v.optional(listen, DEFAULT_LISTEN),
  auth: v.nullish(ClientAuthSchema, {}),
  providers: v.pipe(recordOf(ProviderSchema), v.minEntries(1, "must have at least one entry")),
  models: v.pipe(recordOf(ModelSchema), v.minEntries(1, "must have at least one entry")),
  pools: v.nullish(recordOf(PoolSchema), {}),
  limits: v.nullish(mapping({ request_body_max_bytes: v.optional(atLeast(1), DEFAULT_BODY_MAX_BYTES) }), {}),
  /** Gateway-wide default for pools that do not set `translation`. */
  translation: v.optional(oneOf(TRANSLATION_MODES), "lossy"),
  observability: v.nullish(mapping({
    /** Off by default: the header reveals a gateway (platform.md §5.5). */
    emit_server_timing: v.optional(bool(), false),
  }), {}),
});

export const CatalogRowSchema = mapping({
  ...sharedProviderFields,
  protocol: oneOf(PROTOCOL_NAMES),
  base_url: nonEmpty(),
  description: v.optional(str()),
});

export const CatalogSchema = mapping({ providers: recordOf(CatalogRowSchema) });

export type OperatorConfig = v.InferOutput<typeof OperatorConfigSchema>;
export type ProviderEntry = v.InferOutput<typeof ProviderSchema>;
export type CatalogRow = v.InferOutput<typeof CatalogRowSchema>;
export type Catalog = v.InferOutput<typeof CatalogSchema>;
