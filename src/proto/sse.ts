// Incremental Server-Sent Events decoder (WHATWG HTML §9.2.6): push bytes as they arrive, get whole events.
// Correct at any split point, including inside a UTF-8 character or between `\r` and `\n` (STYLE habit 7).

export interface SseEvent {
  event: string | undefined;
  data: string;
}

export class SseDecoder {
  private readonly utf8 = new TextDecoder("utf-8");
  private buf = "";
  private event: string | undefined = undefined;
  private data: string[] = [];
  private sawCr = false;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: Uint8Array): SseEvent[] {
    return this.lines(this.utf8.decode(chunk, { stream: true }));
  }

  /** Ends the stream; a trailing event without its blank line is delivered, as browsers do not but servers expect. */
  flush(): SseEvent[] {
    const out = this.lines(this.utf8.decode());
    if (this.buf.length > 0) { this.line(this.buf, out); this.buf = ""; }
    this.dispatch(out);
    return out;
  }

  private lines(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let s = this.buf + text;
    if (this.sawCr && s.startsWith("\n")) s = s.slice(1);
    this.sawCr = false;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.line(s.slice(start, i), out);
      if (c === 0x0d) {
        if (i + 1 === s.length) this.sawCr = true;
        else if (s.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.buf = s.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line.length === 0) { this.dispatch(out); return; }
    if (line.charCodeAt(0) === 0x3a) return; // comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
  }

  private dispatch(out: SseEvent[]): void {
    if (this.data.length > 0) out.push({ event: this.event, data: this.data.join("\n") });
    this.data = [];
    this.event = undefined;
  }
}
