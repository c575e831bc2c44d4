/**
 * `ipToProvince(client_ip) → STRING`: the UDF of the CDN job, in four flavours that give the same
 * answers, so that their costs can be compared honestly.
 *
 * - {@link ipToProvince}: vectorized. Parses every address straight from the UTF-8 bytes and
 *   offsets of the Arrow column (no JS string per row), binary-searches the range table on 32-bit
 *   numbers, and writes the result column from region ids (offsets + bytes).
 * - {@link ipToProvinceRow}: row-wise twin. One JS string in, one out; parses with char codes and
 *   returns the table's interned region name, so it allocates nothing per row either — a fair
 *   baseline, not a straw man.
 * - {@link ipToProvinceLookup}: vectorized and async. Asks the lookup service (lookup-service.ts)
 *   once per batch, with the batch's distinct valid addresses.
 * - {@link ipToProvinceLookupRow}: row-wise and async. Asks the service once per row, as the
 *   original PyFlink example's UDF called a web service per row.
 *
 * Malformed, null and unlisted addresses give `"Unknown"`; these UDFs never fail on data.
 * The lookup variants find the service at `VECUDF_CDN_LOOKUP_URL` (e.g. `http://127.0.0.1:40123`),
 * or use {@link lookupUdfs} to bind them to a URL in-process.
 *
 * @example
 * import { ipToProvince } from './examples/cdn/ip-to-province.js';
 * // vecudf run --udf examples/cdn/ip-to-province.ts#ipToProvince …
 * const out = await runVectorized(compilePlan({ calls: [{ udf: ipToProvince, args: [{ column: 1 }] }] }), logs);
 */
import type * as arrow from 'apache-arrow';
import { Series } from '../../src/series/series.js';
import { DataTypes as T } from '../../src/types/data-types.js';
import { udf, vectorizedUdf } from '../../src/udf/define.js';
import { ipToProvinceColumn } from './ip-kernel.js';
import { parseIpv4String } from './ip-parse.js';
import { lookupRegions } from './lookup-client.js';
import { lookupProvinceColumn } from './lookup-kernel.js';
import { UNKNOWN } from './provinces.js';
import { defaultRegionTable, lookupRegionId } from './regions.js';

const spec = (name: string) => ({ name, inputTypes: [T.STRING()], resultType: T.STRING() });

/** The vectorized UDF: STRING column in, STRING column out. */
export const ipToProvince = vectorizedUdf(
  (ips: Series) => new Series(ipToProvinceColumn(ips.vector as arrow.Vector<arrow.Utf8>), 'province'),
  spec('ipToProvince'),
);

/** The row-wise twin: the same answer for one value. */
export function provinceOf(ip: string | null): string {
  const table = defaultRegionTable();
  if (ip === null || ip === undefined) return UNKNOWN;
  return table.names[lookupRegionId(table, parseIpv4String(ip))];
}

/** The row-wise UDF (the baseline). */
export const ipToProvinceRow = udf(provinceOf, spec('ipToProvinceRow'));

/** The environment variable the lookup UDFs read the service URL from. */
export const LOOKUP_URL_ENV = 'VECUDF_CDN_LOOKUP_URL';

function lookupUrlFromEnv(): string {
  const url = process.env[LOOKUP_URL_ENV];
  if (!url) {
    throw new Error(
      `ipToProvinceLookup needs the lookup service URL in ${LOOKUP_URL_ENV} (start one with startLookupService())`,
    );
  }
  return url;
}

/** The row-wise lookup for one value against the service at `baseUrl`: one request per valid address. */
export async function provinceViaService(baseUrl: string, ip: string | null): Promise<string> {
  // Malformed addresses are answered locally, as the batched variant does, so both ask about the same addresses.
  if (ip === null || ip === undefined || parseIpv4String(ip) < 0) return UNKNOWN;
  const answer = await lookupRegions(baseUrl, [ip]);
  const region = answer[ip];
  if (typeof region !== 'string') throw new Error(`lookup service ${baseUrl} gave no region for ${ip}`);
  return region;
}

/** The two lookup UDFs bound to a service URL (for in-process use: tests, benchmarks, the demo). */
export function lookupUdfs(baseUrl: string) {
  return {
    ipToProvinceLookup: vectorizedUdf(
      async (ips: Series) =>
        new Series(await lookupProvinceColumn(ips.vector as arrow.Vector<arrow.Utf8>, baseUrl), 'province'),
      spec('ipToProvinceLookup'),
    ),
    ipToProvinceLookupRow: udf(
      (ip: string | null) => provinceViaService(baseUrl, ip),
      spec('ipToProvinceLookupRow'),
    ),
  };
}

/** Vectorized, async: one lookup request per batch (service URL from `VECUDF_CDN_LOOKUP_URL`). */
export const ipToProvinceLookup = vectorizedUdf(
  async (ips: Series) =>
    new Series(
      await lookupProvinceColumn(ips.vector as arrow.Vector<arrow.Utf8>, lookupUrlFromEnv()),
      'province',
    ),
  spec('ipToProvinceLookup'),
);

/** Row-wise, async: one lookup request per row (service URL from `VECUDF_CDN_LOOKUP_URL`). */
export const ipToProvinceLookupRow = udf(
  (ip: string | null) => provinceViaService(lookupUrlFromEnv(), ip),
  spec('ipToProvinceLookupRow'),
);
