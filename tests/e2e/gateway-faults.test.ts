// Regressions found by the fuzz test (tests/security/fuzz-ingress.test.ts): busbar's own faults must never count
// against a lane, and client-chosen flags must not make a healthy upstream look broken.
import { expect, test } from "bun:test";
import type { FetchFn } from "../../src/runtime.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway } from "../helpers/gateway.ts";

const auth = { "content-type": "application/json", authorization: `Bearer ${CALLER_TOKEN}` };

test("an exception inside an attempt is the gateway's 500, with no failover and no mark on the lane", async () => {
  let calls = 0;
  // A response whose status cannot be read: the attempt throws after the upstream was reached.
  const fetchStub: FetchFn = async () => {
    calls++;
    return new Proxy(new Response("{}"), {
      get(target, prop) {
        if (prop === "status") throw new Error("boom");
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  };
  const gw = await startGateway({
    yaml: (m) => `${sixProtocolYaml(m)}\n  two: { members: [ { target: m-openai }, { target: m-anthropic } ], breaker: { trip: { mode: consecutive, n: 1 } } }\n`,
    env: LANE_ENV,
    runtime: { fetch: fetchStub },
  });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: auth, body: JSON.stringify({ model: "two", messages: [{ role: "user", content: "hi" }] }) });
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("server_error");
    }
    expect(calls).toBe(3); // one attempt each: no failover onto the other member
    for (const lane of gw.rt.resolver.lanes.values()) expect(lane.state.err).toBe(0);
    const health = await fetch(`${gw.url}/healthz`);
    expect(health.status).toBe(200);
  } finally {
    await gw.stop();
  }
});

test("stream: true on count_tokens and embeddings is ignored, not a broken upstream", async () => {
  const gw = await startGateway({ yaml: (m) => sixProtocolYaml(m), env: LANE_ENV });
  try {
    for (let i = 0; i < 6; i++) {
      const ct = await fetch(`${gw.url}/v1/messages/count_tokens`, { method: "POST", headers: auth, body: JSON.stringify({ model: "pool-anthropic", stream: true, messages: [{ role: "user", content: "hi" }] }) });
      expect(ct.status).toBe(200);
      expect(typeof ((await ct.json()) as { input_tokens: number }).input_tokens).toBe("number");
      const emb = await fetch(`${gw.url}/v1/embeddings`, { method: "POST", headers: auth, body: JSON.stringify({ model: "pool-openai", stream: true, input: "hi" }) });
      expect(emb.status).toBe(200);
      await emb.arrayBuffer();
    }
  } finally {
    await gw.stop();
  }
});
