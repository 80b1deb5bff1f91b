// A real busbar process for tests that need one (crashes, restarts, several instances): spawned from src/main.ts,
// ready once it has logged where it listens. Its stderr keeps draining so the process never blocks on a full pipe.
export interface BusbarProcess {
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly url: string;
  /** Present when the config has an `admin` section. */
  readonly adminUrl: string | undefined;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
}

export async function spawnBusbar(configPath: string, env: Record<string, string>, o: { admin?: boolean } = {}): Promise<BusbarProcess> {
  const proc = Bun.spawn(["bun", "src/main.ts", "--config", configPath], {
    env: { PATH: process.env["PATH"] ?? "", ...env }, stdout: "ignore", stderr: "pipe",
  });
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  let url: string | undefined, adminUrl: string | undefined;
  while (url === undefined || (o.admin === true && adminUrl === undefined)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`busbar exited during boot: ${text}`);
    text += decoder.decode(value, { stream: true });
    url ??= /"busbar listening".*?"url":"([^"]+)"/.exec(text)?.[1];
    adminUrl ??= /"admin listening".*?"url":"([^"]+)"/.exec(text)?.[1];
  }
  void (async () => {
    for (;;) {
      const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
      if (r.done) return;
      text += decoder.decode(r.value, { stream: true });
    }
  })();
  return { proc, url, adminUrl, stderr: () => text };
}
