/**
 * Casts between DATE, TIME and TIMESTAMP / TIMESTAMP_LTZ of any precision, exact on the epoch
 * values (no Date objects, no BigInt per row on the common paths).
 *
 * Every value is read as whole seconds plus a sub-second rest in its unit, then written in the
 * target's unit: a finer unit multiplies, a coarser one drops the extra digits (floor, as Flink
 * truncates precision). TIMESTAMP → DATE takes the day; DATE → TIMESTAMP is midnight; TIMESTAMP →
 * TIME the time of day; TIME → TIMESTAMP is on 1970-01-01. TIMESTAMP_LTZ ↔ TIMESTAMP converts
 * between the instant and the wall-clock time in the session time zone (temporal.ts
 * `defaultZone`); a wall-clock time in a DST gap or overlap takes the offset in force just
 * before it.
 *
 * @example
 * // TIMESTAMP(6) 1969-12-31 23:59:59.999999 → DATE 1969-12-31 (day -1)
 */
import * as arrow from 'apache-arrow';
import { toArrowType } from '../../types/arrow-mapping.js';
import { type DataType, typeToString } from '../../types/data-types.js';
import type { CastRun } from './cast-common.js';
import { floorDivWords, toNumber, writeBigInt, writeNumber } from './int64.js';
import { fixedVector, int64Words, vectorValues } from './layout.js';
import { defaultZone, unitsPerSecond, type ZoneOffset, zoneOffset } from './temporal.js';

const DAY = 86400;

/** Whether a DataType is DATE, TIME, TIMESTAMP or TIMESTAMP_LTZ. */
export function isTemporal(t: DataType): boolean {
  return t.kind === 'DATE' || t.kind === 'TIME' || t.kind === 'TIMESTAMP' || t.kind === 'TIMESTAMP_LTZ';
}

/** Units per second of a temporal Arrow type (1 for DATE, whose unit is the day). */
export function perSecond(type: arrow.DataType): number {
  if (type.typeId === arrow.Type.Date) return 1;
  return unitsPerSecond((type as arrow.Time | arrow.Timestamp).unit);
}

/**
 * Reads row i of a DATE / TIME / TIMESTAMP vector as seconds since the epoch (or since midnight
 * for TIME) into `out[0]`, and the sub-second rest in the vector's unit into `out[1]`.
 */
export function secondsReader(vector: arrow.Vector): (i: number, out: Float64Array) => void {
  const type = vector.type;
  const values = vectorValues(vector);
  if (type.typeId === arrow.Type.Date) {
    const days = values as Int32Array;
    return (i, out) => {
      out[0] = days[i]! * DAY;
      out[1] = 0;
    };
  }
  const per = perSecond(type);
  if (values instanceof Int32Array) {
    return (i, out) => {
      const v = values[i]!;
      const s = Math.floor(v / per);
      out[0] = s;
      out[1] = v - s * per;
    };
  }
  const w = int64Words(values);
  const rem = new Float64Array(1);
  if (per === 1) {
    return (i, out) => {
      out[0] = toNumber(w, i);
      out[1] = 0;
    };
  }
  return (i, out) => {
    out[0] = floorDivWords(w, i, per, rem);
    out[1] = rem[0]!;
  };
}

/** Sub-second units converted from `fromPer` to `toPer` per second (floor when coarser). */
export function convertSub(sub: number, fromPer: number, toPer: number): number {
  return toPer >= fromPer ? sub * (toPer / fromPer) : Math.floor(sub / (fromPer / toPer));
}

/** Writes `secs * per + sub` as the Int64 at word pair i, exactly; false when it does not fit. */
export function writeUnits(out: Int32Array, i: number, secs: number, sub: number, per: number): boolean {
  const whole = secs * per;
  if (Math.abs(whole) + per < 9007199254740992) {
    writeNumber(out, i, whole + sub);
    return true;
  }
  const v = BigInt(secs) * BigInt(per) + BigInt(sub);
  if (v < -(2n ** 63n) || v >= 2n ** 63n) return false;
  writeBigInt(out, i, v);
  return true;
}

/** UTC seconds of a wall-clock time in a zone (the offset in force just before it on a gap / overlap). */
export function wallToUtc(wall: number, offset: ZoneOffset): number {
  const first = wall - offset(wall);
  return wall - offset(first);
}

/** The zone of a TIMESTAMP_LTZ DataType over an Arrow type (null for other types). */
export function zoneOf(t: DataType, arrowType: arrow.DataType): ZoneOffset | null {
  return t.kind === 'TIMESTAMP_LTZ' ? zoneOffset(defaultZone(arrowType)) : null;
}

/** DATE / TIME / TIMESTAMP(_LTZ) → DATE / TIME / TIMESTAMP(_LTZ). */
export function temporalCast(run: CastRun): arrow.Vector {
  const { from, to, n, vector } = run;
  if ((from.kind === 'DATE' && to.kind === 'TIME') || (from.kind === 'TIME' && to.kind === 'DATE')) {
    throw new TypeError(`cannot cast ${typeToString(from)} to ${typeToString(to)}`);
  }
  const type = toArrowType(to);
  const read = secondsReader(vector);
  const fromPer = perSecond(vector.type);
  const toPer = perSecond(type);
  const fromZone = zoneOf(from, vector.type);
  const toZone = zoneOf(to, type);
  // LTZ ↔ LTZ is the same instant; only a change of kind moves the wall clock.
  const shiftIn = fromZone !== null && toZone === null ? fromZone : null;
  const shiftOut = toZone !== null && fromZone === null ? toZone : null;
  const cur = new Float64Array(2);
  if (to.kind === 'DATE') {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      if (!run.isValid(i)) continue;
      read(i, cur);
      let secs = cur[0]!;
      if (shiftIn) secs += shiftIn(secs);
      const days = Math.floor(secs / DAY);
      if (days >= -2147483648 && days <= 2147483647) out[i] = days;
      else run.bad(i, 'date out of range');
    }
    return fixedVector(type, out, n, run.validity());
  }
  const time = to.kind === 'TIME';
  const words = type.ArrayType === BigInt64Array;
  const out = words ? new Int32Array(2 * n) : new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (!run.isValid(i)) continue;
    read(i, cur);
    let secs = cur[0]!;
    const sub = convertSub(cur[1]!, fromPer, toPer);
    if (shiftIn) secs += shiftIn(secs);
    if (shiftOut) secs = wallToUtc(secs, shiftOut);
    if (time) secs -= Math.floor(secs / DAY) * DAY;
    if (words) {
      if (!writeUnits(out, i, secs, sub, toPer)) run.bad(i, 'timestamp out of range');
    } else out[i] = secs * toPer + sub;
  }
  return fixedVector(type, out, n, run.validity());
}
