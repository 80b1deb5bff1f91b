// The mock's memory of what it was asked: a bounded request log and the counters behind
// `GET /__mock/stats`.
import type { MockProtocolName } from "./protocol.ts";

export interface MockRequestRecord {
  readonly protocol: MockProtocolName;
  readonly method: string;
  readonly path: string;
  /** The query string without its leading `?` ("" when none). */
  readonly query: string;
  /** Every request header, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body; undefined when empty or not JSON. */
  readonly body: unknown;
  /** From the body, or the URL for Gemini and Bedrock (percent-decoded once); directives included. */
  readonly model: string;
  readonly stream: boolean;
}

export interface MockStats {
  readonly total: number;
  readonly byProtocol: Readonly<Record<MockProtocolName, number>>;
  readonly last: MockRequestRecord | null;
}

/** A missing key is a compile error, so the stats always list every protocol. */
function zeroCounts(): Record<MockProtocolName, number> {
  return { openai: 0, responses: 0, anthropic: 0, gemini: 0, bedrock: 0, cohere: 0, embeddings: 0 };
}

export class RequestLog {
  readonly records: MockRequestRecord[] = [];
  private total = 0;
  private counts = zeroCounts();

  constructor(private readonly capacity: number) {}

  add(record: MockRequestRecord): void {
    this.records.push(record);
    if (this.records.length > this.capacity) this.records.shift();
    this.total++;
    this.counts[record.protocol]++;
  }

  reset(): void {
    this.records.length = 0;
    this.total = 0;
    this.counts = zeroCounts();
  }

  stats(): MockStats {
    return { total: this.total, byProtocol: { ...this.counts }, last: this.records.at(-1) ?? null };
  }
}
