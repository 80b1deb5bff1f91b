// AWS event-stream frames for Bedrock ConverseStream (protocols.md §9.4), encoded with Smithy's codec,
// the same one the AWS SDK decodes with, so the prelude and message CRCs are right by construction.
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

export const EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

export interface EventFrameEncoder {
  event(eventType: string, payload: unknown): Uint8Array;
  /** An in-band error: `:message-type: exception`, named by `:exception-type` (lower camel case on the stream). */
  exception(exceptionType: string, payload: unknown): Uint8Array;
}

export function eventFrameEncoder(): EventFrameEncoder {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  return {
    event(eventType, payload) {
      return codec.encode({
        headers: {
          ":event-type": { type: "string", value: eventType },
          ":content-type": { type: "string", value: "application/json" },
          ":message-type": { type: "string", value: "event" },
        },
        body: fromUtf8(JSON.stringify(payload)),
      });
    },
    exception(exceptionType, payload) {
      return codec.encode({
        headers: {
          ":exception-type": { type: "string", value: exceptionType },
          ":content-type": { type: "string", value: "application/json" },
          ":message-type": { type: "string", value: "exception" },
        },
        body: fromUtf8(JSON.stringify(payload)),
      });
    },
  };
}
