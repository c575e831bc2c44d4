/**
 * IPv4 dotted-quad parsing, straight from UTF-8 bytes (the vectorized path) or from a JS string
 * (the row-wise path), with one set of rules:
 *
 * - exactly four decimal octets separated by single dots, nothing before or after (no spaces);
 * - each octet is 1–3 digits and at most 255;
 * - no leading zeros ("01.2.3.4" is rejected: some parsers read it as octal, so it is ambiguous;
 *   Node's `net.isIPv4` rejects it too).
 *
 * Both return the address as a number in [0, 2^32), or -1 when the text is not a valid address.
 *
 * @example
 * parseIpv4String('1.2.3.4');                            // 16909060
 * parseIpv4Bytes(new TextEncoder().encode('1.2.3.4'), 0, 7); // 16909060
 * parseIpv4String('256.1.1.1');                          // -1
 */

const DOT = 46;
const ZERO = 48;

/** Parses `bytes[start, end)` as an IPv4 address; -1 if malformed. No allocation. */
export function parseIpv4Bytes(bytes: Uint8Array, start: number, end: number): number {
  // The longest valid address is 15 bytes; the shortest 7. Reject the rest at once.
  const len = end - start;
  if (len < 7 || len > 15) return -1;
  let p = start;
  let ip = 0;
  for (let part = 0; part < 4; part++) {
    if (p >= end) return -1;
    let v = bytes[p] - ZERO;
    if (v < 0 || v > 9) return -1;
    p++;
    // A leading zero must stand alone: the next byte must be the dot (or the end).
    if (v !== 0) {
      for (let k = 0; k < 2 && p < end; k++) {
        const d = bytes[p] - ZERO;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        p++;
      }
      if (v > 255) return -1;
    }
    // Multiplication, not shifts: the result must stay an unsigned number up to 2^32 - 1.
    ip = ip * 256 + v;
    if (part < 3) {
      if (p >= end || bytes[p] !== DOT) return -1;
      p++;
    }
  }
  return p === end ? ip : -1;
}

/** The same rules over a JS string (for the row-wise path), reading char codes: no split, no regex. */
export function parseIpv4String(s: string): number {
  const end = s.length;
  if (end < 7 || end > 15) return -1;
  let p = 0;
  let ip = 0;
  for (let part = 0; part < 4; part++) {
    if (p >= end) return -1;
    let v = s.charCodeAt(p) - ZERO;
    if (v < 0 || v > 9) return -1;
    p++;
    if (v !== 0) {
      for (let k = 0; k < 2 && p < end; k++) {
        const d = s.charCodeAt(p) - ZERO;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
        p++;
      }
      if (v > 255) return -1;
    }
    ip = ip * 256 + v;
    if (part < 3) {
      if (p >= end || s.charCodeAt(p) !== DOT) return -1;
      p++;
    }
  }
  return p === end ? ip : -1;
}

/** Dotted-quad text of an address in [0, 2^32). */
export function formatIpv4(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

/**
 * Writes the dotted-quad text of `ip` into `out` at `pos`, returning the new position
 * (at most 15 bytes are written). Used by the generator to build string columns without strings.
 */
export function writeIpv4(out: Uint8Array, pos: number, ip: number): number {
  for (let shift = 24; shift >= 0; shift -= 8) {
    const v = (ip >>> shift) & 255;
    if (v >= 100) out[pos++] = ZERO + Math.floor(v / 100);
    if (v >= 10) out[pos++] = ZERO + (Math.floor(v / 10) % 10);
    out[pos++] = ZERO + (v % 10);
    if (shift > 0) out[pos++] = DOT;
  }
  return pos;
}
