// Generates docs/translation-matrix.md (issue 5): for each §10.2 checklist feature and each ordered pair, whether
// it survives (✓), is degraded (≈: clamped, a close native form), or is dropped and recorded (✗). Each cell is
// measured, not asserted by hand: a minimal IR carrying the one feature is written by the lane's codec (request
// features) or the caller's codec (response features), and the ledger decides. "—" means the caller's own
// protocol cannot express the feature, so the pair never meets it. Regenerate with BUSBAR_UPDATE_GOLDEN=1.
import { expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Block } from "../../src/ir/content.ts";
import { sequentialIds } from "../../src/ir/ids.ts";
import { Ledger } from "../../src/ir/ledger.ts";
import { PROTOCOL_NAMES, type ProtocolName } from "../../src/ir/protocol.ts";
import type { IrRequest } from "../../src/ir/request.ts";
import type { IrResponse } from "../../src/ir/response.ts";
import { PROTOCOLS } from "../../src/proto/registry.ts";

type Cell = "✓" | "≈" | "✗";
const user = (content: Block[]) => ({ role: "user" as const, content });
const text = (t: string): Block => ({ kind: "text", text: t });

function base(source: ProtocolName): IrRequest {
  return { system: [], messages: [user([text("hi")])], tools: [], stop: [], stream: false, extra: { source, fields: {} } };
}

/** Request features: a function adding the one feature to a base request. `lane` is where a signature came from. */
const REQUEST_FEATURES: [string, (ir: IrRequest, lane: ProtocolName) => void][] = [
  ["thinking text + signature (from this lane)", (ir, lane) => {
    ir.messages.push({ role: "assistant", content: [{ kind: "thinking", text: "hmm", signature: { value: "sig", origin: lane } }, text("ok")] }, user([text("go on")]));
  }],
  ["redacted thinking (from this lane)", (ir, lane) => {
    ir.messages.push({ role: "assistant", content: [{ kind: "redacted_thinking", data: "opaque", origin: lane }, text("ok")] }, user([text("go on")]));
  }],
  ["forced tool choice", (ir) => {
    ir.tools = [{ name: "f", schema: { type: "object", properties: { a: { type: "string" } } } }];
    ir.toolChoice = { tool: "f" };
  }],
  ["tools, tool call, tool result", (ir) => {
    ir.tools = [{ name: "f", schema: { type: "object", properties: { a: { type: "string" } } } }];
    ir.messages.push({ role: "assistant", content: [{ kind: "tool_use", id: "t1", name: "f", input: { a: "x" } }] }, { role: "tool", content: [{ kind: "tool_result", toolUseId: "t1", content: [text("r")], isError: false }] });
  }],
  ["parallel tool calls off", (ir) => {
    ir.tools = [{ name: "f", schema: { type: "object", properties: { a: { type: "string" } } } }];
    ir.parallelToolCalls = false;
  }],
  ["cache control (system, tool definition)", (ir) => {
    ir.system = [{ kind: "text", text: "sys", cache: { type: "ephemeral" } }];
    ir.tools = [{ name: "f", schema: { type: "object", properties: { a: { type: "string" } } }, cache: { type: "ephemeral" } }];
  }],
  ["structured output (JSON schema)", (ir) => { ir.responseFormat = { json: true, schema: { type: "object" }, name: "r" }; }],
  ["temperature 0.7, top_p 0.9", (ir) => { ir.temperature = 0.7; ir.topP = 0.9; }],
  ["temperature 1.5", (ir) => { ir.temperature = 1.5; }],
  ["top_k", (ir) => { ir.topK = 40; }],
  ["seed", (ir) => { ir.seed = { lexeme: "9007199254740993" }; }],
  ["stop sequences", (ir) => { ir.stop = ["END"]; }],
  ["logprobs ask", (ir) => { ir.logprobs = true; ir.topLogprobs = 3; }],
  ["reasoning ask (reasoning lane)", (ir) => { ir.reasoning = { budget: 4096 }; ir.maxTokens = 8192; }],
  ["image (base64)", (ir) => { ir.messages = [user([text("see"), { kind: "image", source: { kind: "base64", mediaType: "image/png", data: "iVBORw0KGgo=" } }])]; }],
  ["PDF document", (ir) => { ir.messages = [user([text("read"), { kind: "document", source: { kind: "base64", mediaType: "application/pdf", data: "JVBERi0=" }, name: "doc" }])]; }],
  ["a vendor field the caller's protocol has", (ir) => { ir.extra.fields.vendor_knob = 1; }],
];

const RESPONSE_FEATURES: [string, (lane: ProtocolName) => IrResponse][] = [
  ["returned thinking + signature", (lane) => ({ content: [{ kind: "thinking", text: "hmm", signature: { value: "s", origin: lane } }, text("ok")], stopReason: "end_turn", usage: { input: 1, output: 2 }, logprobs: [] })],
  ["citations", (lane) => ({ content: [{ kind: "text", text: "ok", citations: [{ uri: "https://x", title: "X", startIndex: 0, endIndex: 2, origin: lane, raw: {} }] }], stopReason: "end_turn", usage: { input: 1, output: 2 }, logprobs: [] })],
  ["logprobs data", () => ({ content: [text("ok")], stopReason: "end_turn", usage: { input: 1, output: 1 }, logprobs: [{ token: "ok", logprob: -0.1 }] })],
  ["usage with cache and reasoning tokens", () => ({ content: [text("ok")], stopReason: "end_turn", usage: { input: 10, output: 5, cacheRead: 3, cacheWrite: 2, reasoning: 1 }, logprobs: [] })],
  ["safety stop reason", () => ({ content: [text("")], stopReason: "safety", usage: { input: 1, output: 0 }, logprobs: [] })],
];

function classify(ledger: Ledger, threw: boolean): Cell {
  if (threw) return "✗";
  const reasons = ledger.drops.map((d) => d.reason);
  if (reasons.length === 0) return "✓";
  return reasons.every((r) => r === "clamped") ? "≈" : "✗";
}

function requestCell(feature: (ir: IrRequest, lane: ProtocolName) => void, source: ProtocolName, lane: ProtocolName): Cell {
  const ir = base(source);
  feature(ir, lane);
  const ledger = new Ledger();
  let threw = false;
  try {
    PROTOCOLS[lane].codec!.writeRequest(ir, { model: "m", stream: false, defaultMaxTokens: 4096, reasoning: true, promptCaching: true }, ledger);
  } catch { threw = true; }
  return classify(ledger, threw);
}

function responseCell(feature: (lane: ProtocolName) => IrResponse, caller: ProtocolName, lane: ProtocolName): Cell {
  const ledger = new Ledger();
  let threw = false;
  try {
    PROTOCOLS[caller].codec!.writeResponse(feature(lane), { ids: sequentialIds(), now: () => 0, model: "m", includeUsage: true, reasoningContent: true }, ledger);
  } catch { threw = true; }
  return classify(ledger, threw);
}

function table(title: string, cell: (caller: ProtocolName, lane: ProtocolName) => Cell | "—"): string {
  const head = `| ${title} | ${PROTOCOL_NAMES.map((p) => `→ ${p}`).join(" | ")} |\n|---|${PROTOCOL_NAMES.map(() => ":-:").join("|")}|\n`;
  return head + PROTOCOL_NAMES.map((c) => `| ${c} caller | ${PROTOCOL_NAMES.map((l) => (c === l ? "=" : cell(c, l))).join(" | ")} |`).join("\n");
}

function render(): string {
  const out = [
    "# Translation matrix",
    "",
    "Generated by `tests/golden/matrix-doc.test.ts` from the codecs themselves — do not edit by hand; regenerate with",
    "`BUSBAR_UPDATE_GOLDEN=1 bun test tests/golden/matrix-doc.test.ts`. Rows are callers, columns lanes.",
    "",
    "✓ survives · ≈ degraded to the nearest native form (clamped), recorded · ✗ dropped, recorded in `x-busbar-dropped`",
    "· — the caller's protocol cannot express it · = same protocol: bytes pass through untouched.",
    "",
    "Request features are judged on the lane's writer (a feature the caller cannot send shows —); response features on",
    "the caller's writer. A signature survives only back to the protocol that issued it (signature provenance), and",
    "cache markers are measured on a lane with `prompt_caching: true`.",
  ];
  for (const [name, feature] of REQUEST_FEATURES) {
    out.push("", `## ${name}`, "", table("caller \\ lane", (caller, lane) => {
      // The caller cannot send what its own protocol cannot carry.
      if (requestCell(feature, caller, caller) === "✗") return "—";
      return requestCell(feature, caller, lane);
    }));
  }
  for (const [name, feature] of RESPONSE_FEATURES) {
    out.push("", `## ${name} (response)`, "", table("caller \\ lane", (caller, lane) => responseCell(feature, caller, lane)));
  }
  return `${out.join("\n")}\n`;
}

test("docs/translation-matrix.md is what the codecs do", () => {
  const file = join(import.meta.dir, "../../docs/translation-matrix.md");
  const generated = render();
  if (process.env.BUSBAR_UPDATE_GOLDEN === "1" || !existsSync(file)) writeFileSync(file, generated);
  expect(generated).toBe(readFileSync(file, "utf8"));
});
