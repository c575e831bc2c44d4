/**
 * Splits the output byte stream of one bundle (the `data` of the worker's `Elements.Data`
 * messages, in order) into groups of length-prefixed elements: one group per input batch, with
 * as many elements as that batch expects (one for Arrow, one per row for the row coder).
 *
 * Elements and groups may be cut anywhere across messages (the Fn API allows it). A group that
 * lies inside one message is handed over as a view; only a group that spans messages is copied
 * into one contiguous buffer. No object is made per element: the splitter only walks varints.
 *
 * @example
 * const s = new OutputSplitter((bytes, count) => decode(bytes, count));
 * s.expect(1); s.expect(1);      // two input batches sent, one output element each
 * s.push(message1.data); s.push(message2.data);
 * s.finish();                     // throws if elements are missing or left over
 */

export type GroupHandler = (bytes: Uint8Array, elements: number) => void;

export class OutputSplitter {
  /** Element counts of the groups still expected, in order (a ring would do; groups are few). */
  private readonly expected: number[] = [];
  private head = 0;
  /** Elements of the current group seen so far. */
  private seen = 0;
  /** Pieces of the current group from earlier messages. */
  private pieces: Uint8Array[] = [];
  /** Varint state: bytes of body still to skip, or -1 while reading a length. */
  private bodyLeft = -1;
  private lenValue = 0;
  private lenShift = 1;
  private lenBytes = 0;
  /** Elements received in total (for error messages). */
  received = 0;

  constructor(private readonly onGroup: GroupHandler) {}

  /** Announces the next group (an input batch was sent that expects `elements` output elements). */
  expect(elements: number): void {
    if (!Number.isInteger(elements) || elements < 1)
      throw new RangeError(`a group has at least one element, got ${elements}`);
    this.expected.push(elements);
  }

  /** Groups still expected. */
  get pending(): number {
    return this.expected.length - this.head;
  }

  push(data: Uint8Array): void {
    const n = data.length;
    let pos = 0;
    let groupStart = 0;
    while (pos < n) {
      if (this.head >= this.expected.length) {
        throw new Error(
          `the worker sent more output than expected: an element beyond the ${this.received} expected`,
        );
      }
      if (this.bodyLeft < 0) {
        // reading the varint length of the next element
        const b = data[pos++]!;
        this.lenValue += (b & 0x7f) * this.lenShift;
        this.lenShift *= 128;
        if (++this.lenBytes > 10) throw new Error('malformed element length in the worker output');
        if (b < 0x80) {
          this.bodyLeft = this.lenValue;
          this.lenValue = 0;
          this.lenShift = 1;
          this.lenBytes = 0;
        } else continue;
      }
      const take = Math.min(this.bodyLeft, n - pos);
      pos += take;
      this.bodyLeft -= take;
      if (this.bodyLeft > 0) break; // the element continues in the next message
      this.bodyLeft = -1;
      this.received++;
      if (++this.seen === this.expected[this.head]) {
        this.emit(data.subarray(groupStart, pos));
        groupStart = pos;
      }
    }
    if (groupStart < n) this.pieces.push(data.subarray(groupStart, n));
  }

  private emit(last: Uint8Array): void {
    let bytes = last;
    if (this.pieces.length > 0) {
      this.pieces.push(last);
      let size = 0;
      for (const p of this.pieces) size += p.length;
      bytes = new Uint8Array(size);
      let at = 0;
      for (const p of this.pieces) {
        bytes.set(p, at);
        at += p.length;
      }
      this.pieces = [];
    }
    const count = this.expected[this.head]!;
    this.head++;
    this.seen = 0;
    if (this.head > 1024 && this.head * 2 > this.expected.length) {
      this.expected.splice(0, this.head);
      this.head = 0;
    }
    this.onGroup(bytes, count);
  }

  /** Checks the stream ended on a group boundary with nothing missing. */
  finish(): void {
    if (this.bodyLeft >= 0 || this.lenBytes > 0) {
      throw new Error('the worker output ends inside an element');
    }
    if (this.pending > 0) {
      throw new Error(`the worker output is missing ${this.pending} of the expected result batches`);
    }
  }
}
