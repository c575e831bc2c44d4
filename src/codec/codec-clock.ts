/**
 * Time this thread spent in the data-plane codecs, for the worker's per-stage metrics: decoding
 * UDF input elements (Arrow payloads, row-coder rows) and encoding result elements. Plain
 * counters, added to by the codec entry points the worker uses (`ArrowPayloadDecoder.decode`,
 * `ArrowFrameEncoder.encode`, the row-coded executor); the worker reports what they gained since
 * its previous report.
 *
 * @example
 * const before = { ...codecClock };
 * decodeArrowPayload(bytes);
 * codecClock.decodeMs - before.decodeMs; // ms spent decoding
 */
export const codecClock = {
  /** Milliseconds spent decoding input elements. */
  decodeMs: 0,
  /** Milliseconds spent encoding result elements. */
  encodeMs: 0,
};
