// Streams are incremental decoders tested at every split point (STYLE): the whole input at once, every two-part
// split, and byte by byte must all read the same. The first differing split is reported with its offset.
import { expect } from "bun:test";

export function expectSameAtEverySplit<T>(read: (chunks: Uint8Array[]) => T, bytes: Uint8Array, want: T): void {
  expect(read([bytes])).toEqual(want);
  for (let k = 1; k < bytes.length; k++) {
    const got = read([bytes.subarray(0, k), bytes.subarray(k)]);
    if (!Bun.deepEquals(got, want)) expect({ split: k, got }).toEqual({ split: k, got: want });
  }
  expect(read(Array.from(bytes, (b) => Uint8Array.of(b)))).toEqual(want);
}
