// mulberry32 (Tommy Ettinger's public-domain generator): a tiny seeded source of uniform floats in [0, 1), so a
// test's jitter (route/breaker.ts), the mock's fault mixes (mock/members.ts) and the chaos load draw the same
// sequence for the same seed. Not for anything secret.
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
