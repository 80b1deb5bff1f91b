// The script worker's string messages (script/wire.ts): every call and result survives the round trip, including
// inputs and messages that contain the separator.
import { describe, expect, test } from "bun:test";
import { decodeCall, decodeResult, encodeCall, encodeResult } from "../../src/route/script/wire.ts";
import type { CallResult } from "../../src/route/script/sandbox.ts";

describe("script wire", () => {
  test.each([
    [1, 5, '[1,["p","openai","m",1,0,false,60,null,null,false],[],["p",null,null,null,900]]'],
    [2 ** 40, 0.5, "a\nb\n\nc"],
    [7, 20, ""],
  ])("call %p / %p ms round-trips", (id, cpuMs, input) => {
    expect(decodeCall(encodeCall(id, cpuMs, input))).toEqual({ id, cpuMs, input });
  });

  test.each<CallResult>([
    { ok: true, json: "[1,0]" },
    { ok: true, json: '"line\\nbreak"' },
    { ok: true, json: "" },
    { ok: true, json: undefined },
    { ok: false, reason: "timeout", message: "InternalError: interrupted" },
    { ok: false, reason: "error", message: "Error: boom\n    at route (policy.js:3)" },
    { ok: false, reason: "error", message: "" },
  ])("result %p round-trips", (result) => {
    expect(decodeResult(encodeResult(42, result))).toEqual({ id: 42, result });
  });
});
