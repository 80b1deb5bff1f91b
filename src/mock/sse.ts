// Server-sent-event framing as each vendor writes it (protocols.md §9.1 "Out").

/** `event:` + `data:` frame (Anthropic, OpenAI Responses, Cohere). */
export function sseEvent(name: string, payload: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;
}

/** `data:`-only frame (OpenAI Chat). */
export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** OpenAI Chat's terminator. */
export const SSE_DONE = "data: [DONE]\n\n";

/** Gemini's frame: the live API ends each event with CRLF CRLF, which every SSE reader must accept. */
export function sseDataCrlf(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\r\n\r\n`;
}

export const SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8";
