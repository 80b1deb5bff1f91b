// A raw HTTP/1.1 client over Bun.connect, for what fetch() cannot do: drip bytes, send a lying Content-Length, send
// nothing, keep a connection idle, and see exactly when the server closes it.

export interface RawConn {
  /** Everything received so far, as latin1 text. */
  readonly received: () => string;
  /** Resolves with ms since connect when the server closes the connection. */
  readonly closed: Promise<number>;
  /** Resolves with ms since connect once one whole response (Content-Length or chunked framing) has arrived. */
  readonly responded: Promise<number>;
  write(data: string | Uint8Array): void;
  end(): void;
}

export async function rawConnect(url: string): Promise<RawConn> {
  const { hostname, port } = new URL(url);
  const t0 = performance.now();
  let buf = "";
  let onClose: (ms: number) => void = () => {};
  let onResponse: (ms: number) => void = () => {};
  const closed = new Promise<number>((r) => { onClose = r; });
  const responded = new Promise<number>((r) => { onResponse = r; });
  const check = () => {
    const head = buf.indexOf("\r\n\r\n");
    if (head < 0) return;
    const headers = buf.slice(0, head).toLowerCase();
    const body = buf.slice(head + 4);
    const len = /\r\ncontent-length: *(\d+)/.exec(headers);
    if (len !== null ? body.length >= Number(len[1]) : headers.includes("transfer-encoding: chunked") ? body.endsWith("0\r\n\r\n") : false) {
      onResponse(performance.now() - t0);
    }
  };
  const socket = await Bun.connect({
    hostname: hostname.replace(/^\[|\]$/g, ""),
    port: Number(port),
    socket: {
      data(_s, d) {
        buf += Buffer.from(d).toString("latin1");
        check();
      },
      close() { onClose(performance.now() - t0); },
      error() { onClose(performance.now() - t0); },
    },
  });
  return {
    received: () => buf,
    closed,
    responded,
    write: (d) => { socket.write(d); },
    end: () => { socket.end(); },
  };
}

/** Writes `data` one byte at a time, `gapMs` apart, until it is all sent or the connection closes. */
export async function drip(c: RawConn, data: string, gapMs: number): Promise<void> {
  let open = true;
  void c.closed.then(() => { open = false; });
  for (let i = 0; i < data.length && open; i++) {
    c.write(data[i]!);
    await Bun.sleep(gapMs);
  }
}

/** Status code of the first response received, or undefined. */
export function statusOf(text: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m === null ? undefined : Number(m[1]);
}

/** The first response's body, de-chunked when chunked. */
export function bodyOf(text: string): string {
  const head = text.indexOf("\r\n\r\n");
  if (head < 0) return "";
  const body = text.slice(head + 4);
  if (!/\r\ntransfer-encoding: *chunked/i.test(text.slice(0, head))) return body;
  let out = "";
  for (let i = 0; ;) {
    const eol = body.indexOf("\r\n", i);
    if (eol < 0) return out;
    const n = parseInt(body.slice(i, eol), 16);
    if (!(n > 0)) return out;
    out += body.slice(eol + 2, eol + 2 + n);
    i = eol + 2 + n + 2;
  }
}
