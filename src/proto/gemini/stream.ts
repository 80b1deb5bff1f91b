// Re-frames an upstream `alt=sse` stream as the JSON array a caller gets when it streamed without `alt=sse`
// (protocols.md §9.3 GM: `[` + chunks joined by `,` + `]`; zero chunks → `[]`). Incremental: each chunk is
// written as soon as its SSE event completes.
import { SseDecoder } from "../sse.ts";

export function sseToJsonArray(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new SseDecoder();
  const enc = new TextEncoder();
  let first = true;
  const emit = (data: string, ctl: TransformStreamDefaultController<Uint8Array>) => {
    ctl.enqueue(enc.encode(first ? `[${data}` : `,\r\n${data}`));
    first = false;
  };
  return new TransformStream({
    transform(chunk, ctl) {
      for (const ev of decoder.push(chunk)) emit(ev.data, ctl);
    },
    flush(ctl) {
      for (const ev of decoder.flush()) emit(ev.data, ctl);
      ctl.enqueue(enc.encode(first ? "[]" : "]"));
    },
  });
}
