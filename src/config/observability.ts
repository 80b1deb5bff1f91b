// Observability settings checked and resolved at load (platform.md §4.2 sink rules, §5; spec README decision 5).
// Pure: secrets arrive through the same SecretIO as provider keys, and nothing here logs them.
import type { ObservabilitySpec, SecuritySpec, SinkSpec } from "./model.ts";
import { type Problem, problem } from "./messages.ts";
import type { UnknownAt } from "./placeholders.ts";
import type { OperatorConfig } from "./schema.ts";
import { type SecretIO, tokenOrFile } from "./secrets.ts";
import { checkSinkUrl, type SinkKind, sinkPolicy } from "./ssrf.ts";

export interface ObservabilitySecrets {
  readonly metricsToken: string | undefined;
  readonly auditSecret: string | undefined;
  readonly problems: Problem[];
}

/** The gateway-wide metadata lists, as SecuritySpec (the only part a sink policy reads). */
function securityOf(op: OperatorConfig): SecuritySpec {
  const s = op.security;
  return {
    allowPrivateUpstreams: s.allow_private_upstreams, blockedMetadataHosts: s.blocked_metadata_hosts,
    allowMetadataHosts: s.allow_metadata_hosts, allowAllMetadata: s.allow_all_metadata,
  };
}

function sink(kind: SinkKind, raw: string, key: string, op: OperatorConfig): { problems: Problem[]; spec: SinkSpec | undefined } {
  const c = checkSinkUrl(kind, raw, ["observability", key], sinkPolicy(securityOf(op)));
  return { problems: c.problems, spec: c.url === undefined ? undefined : { url: c.url.href, authorization: c.authorization } };
}

/** Sink URLs (§4.2: an invalid one is a config error) and the metrics token's two spellings. */
export function checkObservability(op: OperatorConfig, unknownAt: UnknownAt): Problem[] {
  const o = op.observability;
  const out: Problem[] = [];
  if (o.otlp_endpoint !== undefined && !unknownAt(["observability", "otlp_endpoint"])) {
    out.push(...sink("otlp", o.otlp_endpoint, "otlp_endpoint", op).problems);
  }
  if (o.request_log_webhook_url !== undefined && !unknownAt(["observability", "request_log_webhook_url"])) {
    out.push(...sink("webhook", o.request_log_webhook_url, "request_log_webhook_url", op).problems);
  }
  if (o.request_log_webhook_secret_env !== undefined && o.request_log_webhook_url === undefined) {
    out.push(problem(["observability", "request_log_webhook_secret_env"], "signs the audit webhook; set request_log_webhook_url too"));
  }
  if (op.metrics?.token !== undefined && op.metrics.token_file !== undefined) {
    out.push(problem(["metrics", "token"], "set metrics.token or metrics.token_file, not both"));
  }
  return out;
}

/** The metrics token (`token` or `token_file`) and the audit HMAC key (`request_log_webhook_secret_env`). */
export function resolveObservabilitySecrets(op: OperatorConfig, io: SecretIO): ObservabilitySecrets {
  const problems: Problem[] = [];
  const metricsToken = tokenOrFile("metrics", op.metrics?.token, op.metrics?.token_file, "a metrics token", io, problems);
  let auditSecret: string | undefined;
  const env = op.observability.request_log_webhook_secret_env;
  if (env !== undefined) {
    auditSecret = io.env[env];
    if (auditSecret === undefined || auditSecret === "") {
      problems.push(problem(["observability", "request_log_webhook_secret_env"], `environment variable ${env} is unset or empty`));
      auditSecret = undefined;
    }
  }
  return { metricsToken, auditSecret, problems };
}

export function buildObservabilitySpec(op: OperatorConfig, auditSecret: string | undefined): ObservabilitySpec {
  const o = op.observability;
  const otlp = o.otlp_endpoint === undefined ? undefined : sink("otlp", o.otlp_endpoint, "otlp_endpoint", op).spec;
  const audit = o.request_log_webhook_url === undefined ? undefined : sink("webhook", o.request_log_webhook_url, "request_log_webhook_url", op).spec;
  return {
    emitServerTiming: o.emit_server_timing,
    otlp: otlp === undefined ? undefined : { ...otlp, serviceName: o.otlp_service_name },
    audit: audit === undefined ? undefined : { ...audit, secret: auditSecret, maxInflight: o.webhook_max_inflight, timeoutMs: o.webhook_timeout_ms },
    keyGaugeLimit: o.key_gauge_limit,
    accessLog: o.access_log,
  };
}
