/**
 * The one error the Arrow decoders throw for malformed input: what is wrong and at which byte of
 * the caller's input (absolute, counted from the start of the bytes handed to the decoder).
 *
 * @example
 * try { decodeIpcStream(bytes); } catch (e) {
 *   if (e instanceof ArrowDecodeError) console.error(e.message); // "… at byte 1234"
 * }
 */
export class ArrowDecodeError extends Error {
  override readonly name = 'ArrowDecodeError';
  constructor(
    /** What is wrong, without the position. */
    readonly detail: string,
    /** Absolute byte offset in the decoder's input where the problem is. */
    readonly byteOffset: number,
  ) {
    super(`${detail} at byte ${byteOffset}`);
  }
}
