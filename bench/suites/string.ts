/**
 * String suite: the CDN job's `ipToProvince` (parse an IPv4 address, binary-search a range table,
 * return the region name) and `lower(uri) contains 'video'`. Vectorized, both work on the UTF-8
 * bytes and offsets of the Arrow column; row-wise, each row is one JS string in and one value out
 * (goal: vectorized ≥ 20× row-wise).
 */

import type * as arrow from 'apache-arrow';
import { ipToProvinceColumn } from '../../examples/cdn/ip-kernel.js';
import { type Dataset, ipData, uriData } from '../lib/data.js';
import { functionSuite, scalarCase } from '../lib/function-suite.js';
import { lowerContainsLoop } from '../lib/hand-loops.js';
import { arqueroPeer, danfoPeer } from '../lib/js-peers.js';
import { ipToProvince, ipToProvinceRow, lowerContains, lowerContainsRow } from '../udfs.js';

function stringData(rows: number): Dataset {
  return { rows, columns: { ...ipData(rows, 42).columns, ...uriData(rows, 3).columns } };
}

export const stringSuite = functionSuite({
  name: 'string',
  title: 'String: ip → province, lower + contains',
  description:
    "ipToProvince: the CDN example's generated client addresses (~1% malformed or null); vectorized parses each address from the column's bytes (three bytes per octet, no branch per byte), looks it up in the same loop and writes the Utf8 result column from region ids (pre-encoded names copied as 32-bit words), row-wise gets one JS string per row and returns an interned name. " +
    "lower+contains: URLs from 200 templates, 10% nulls; vectorized `uri.str.lower().str.contains('video')` on bytes, without building the lowered column (a WebAssembly SIMD scan of each row's bytes, ASCII case folded, 32 bytes per step, the rest of a row skipped after a match; only rows with non-ASCII bytes and no match would be decoded), row-wise `s.toLowerCase().includes('video')`.",
  data: stringData,
  cases: [
    scalarCase({
      case: 'ipToProvince',
      profile: true,
      columns: ['client_ip'],
      vec: ipToProvince,
      row: ipToProvinceRow,
      limit: {
        run: (b) => ipToProvinceColumn(b.getChildAt(0) as arrow.Vector<arrow.Utf8>),
        note: "the UDF's column kernel called directly (no executor, no checks)",
      },
      noPeers: 'no peer implementation of the range-table lookup (it is the example’s own logic)',
    }),
    scalarCase({
      case: 'lower+contains',
      profile: true,
      columns: ['uri'],
      vec: lowerContains,
      row: lowerContainsRow,
      limit: {
        run: (b) => lowerContainsLoop([b], 0, 'video'),
        note: "the UDF's SIMD row scan called directly (no Series, executor, result vector or checks)",
      },
      peers: [
        danfoPeer(['uri'], (_, [u]) => u!.str.toLowerCase().str.includes('video')),
        arqueroPeer(
          ['uri'],
          (aq, t) => t.derive({ c: (d) => aq.op.includes!(aq.op.lower!(d.uri), 'video') }),
          'arquero gives false, not null, for a null string',
        ),
      ],
      pandas: 'lower_contains',
    }),
  ],
});
