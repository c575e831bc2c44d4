/**
 * What a ProcessBundleDescriptor asks the worker to run, checked once per descriptor: for every
 * UDF transform (Flink's `flink:transform:scalar_function:v1` or
 * `flink:transform:aggregate_function:arrow:v1`), the data source feeding it and the sink it
 * feeds (`beam:runner:source:v1` / `beam:runner:sink:v1` with a RemoteGrpcPort), the element
 * format its coders select (Arrow for `arrow_type`, the row coder for `flatten_row_type`), the
 * input and output row types, and the plan of its UDFs.
 *
 * The coder chain is Flink's (pyflink.md §1.3): the port names a `param_windowed_value` wire
 * coder (only the element travels) over `length_prefix` (each element is varint + bytes) over
 * `flink:coder:v1`, whose payload is a `CoderInfoDescriptor`.
 *
 * @example
 * const stages = stagesOf(descriptor); // [{ transformId: 'transform', mode: 'arrow', source: {…}, sink: {…}, plan }]
 */
import type { Plan } from '../exec/plan.js';
import {
  CoderInfoDescriptor,
  CoderInfoDescriptor_Mode,
  type Schema,
  UserDefinedFunctions,
} from '../proto/flink.js';
import { type ProcessBundleDescriptor, RemoteGrpcPort } from '../proto/fn-api.js';
import type { Coder, PTransform } from '../proto/pipeline.js';
import type { RowField } from '../types/data-types.js';
import { fromFlinkSchema } from './flink-schema.js';
import { isVectorized, planFromUdfs, udfNamesOf } from './udf-plan.js';

export const SCALAR_FUNCTION_URN = 'flink:transform:scalar_function:v1';
export const ARROW_AGGREGATE_URN = 'flink:transform:aggregate_function:arrow:v1';
export const SOURCE_URN = 'beam:runner:source:v1';
export const SINK_URN = 'beam:runner:sink:v1';
export const FLINK_CODER_URN = 'flink:coder:v1';
const LENGTH_PREFIX_URN = 'beam:coder:length_prefix:v1';
const PARAM_WINDOWED_VALUE_URN = 'beam:coder:param_windowed_value:v1';
const WINDOWED_VALUE_URN = 'beam:coder:windowed_value:v1';

export type ElementMode = 'arrow' | 'row';

export interface Endpoint {
  /** Id of the source / sink transform: the `transform_id` of its `Elements.Data`. */
  readonly transformId: string;
  /** Data service `host:port`. */
  readonly url: string;
}

export interface Stage {
  readonly transformId: string;
  readonly urn: string;
  readonly mode: ElementMode;
  readonly source: Endpoint;
  readonly sink: Endpoint;
  readonly inputFields: readonly RowField[];
  readonly outputFields: readonly RowField[];
  readonly plan: Plan;
  /** Identifies the plan for the executor pool (descriptor id + transform id). */
  readonly planKey: string;
  /** UDF names, top-level first (messages, metrics). */
  readonly udfNames: readonly string[];
}

export class DescriptorError extends Error {
  override readonly name = 'DescriptorError';
}

function fail(d: ProcessBundleDescriptor, msg: string): never {
  throw new DescriptorError(`ProcessBundleDescriptor ${d.id}: ${msg}`);
}

function single(d: ProcessBundleDescriptor, what: string, m: Record<string, string>): string {
  const v = Object.values(m);
  if (v.length !== 1) fail(d, `${what} must have exactly one PCollection, has ${v.length}`);
  return v[0]!;
}

function portOf(d: ProcessBundleDescriptor, id: string, t: PTransform): RemoteGrpcPort {
  let port: RemoteGrpcPort;
  try {
    port = RemoteGrpcPort.decode(t.spec?.payload ?? new Uint8Array(0));
  } catch (e) {
    return fail(d, `transform ${id}: payload is not a RemoteGrpcPort (${(e as Error).message})`);
  }
  if (!port.apiServiceDescriptor?.url) fail(d, `transform ${id}: its RemoteGrpcPort names no data endpoint`);
  return port;
}

function coder(d: ProcessBundleDescriptor, id: string, where: string): Coder {
  const c = d.coders[id];
  if (!c?.spec) fail(d, `${where}: coder '${id}' is not in the descriptor`);
  return c;
}

/** Follows wire coder → length_prefix → flink:coder:v1 and returns the CoderInfoDescriptor. */
export function coderInfoOf(d: ProcessBundleDescriptor, coderId: string, where: string): CoderInfoDescriptor {
  let c = coder(d, coderId, where);
  let prefixed = false;
  for (let hops = 0; hops < 8; hops++) {
    const urn = c.spec!.urn;
    if (urn === PARAM_WINDOWED_VALUE_URN || urn === LENGTH_PREFIX_URN) {
      if (urn === LENGTH_PREFIX_URN) prefixed = true;
      const inner = c.componentCoderIds[0];
      if (!inner) fail(d, `${where}: coder ${urn} has no component coder`);
      c = coder(d, inner, where);
      continue;
    }
    if (urn === WINDOWED_VALUE_URN) {
      fail(
        d,
        `${where}: full windowed values (${urn}) are not supported; use ${PARAM_WINDOWED_VALUE_URN} as Flink does`,
      );
    }
    if (urn !== FLINK_CODER_URN) fail(d, `${where}: unsupported element coder ${urn}`);
    if (!prefixed)
      fail(d, `${where}: the ${FLINK_CODER_URN} elements must be wrapped in ${LENGTH_PREFIX_URN}`);
    try {
      return CoderInfoDescriptor.decode(c.spec!.payload);
    } catch (e) {
      return fail(d, `${where}: coder payload is not a CoderInfoDescriptor (${(e as Error).message})`);
    }
  }
  return fail(d, `${where}: coder chain too deep`);
}

function formatOf(
  d: ProcessBundleDescriptor,
  info: CoderInfoDescriptor,
  where: string,
): [ElementMode, Schema] {
  if (info.separatedWithEndMessage) fail(d, `${where}: separated_with_end_message is not supported`);
  if (info.arrowType?.schema) return ['arrow', info.arrowType.schema];
  if (info.flattenRowType?.schema) return ['row', info.flattenRowType.schema];
  const kind = info.rowType
    ? 'row_type'
    : info.overWindowArrowType
      ? 'over_window_arrow_type'
      : info.rawType
        ? 'raw_type'
        : 'no type';
  return fail(d, `${where}: coder data type ${kind} is not supported (arrow_type or flatten_row_type)`);
}

function fields(d: ProcessBundleDescriptor, schema: Schema, where: string): RowField[] {
  try {
    return fromFlinkSchema(schema, where);
  } catch (e) {
    return fail(d, (e as Error).message);
  }
}

/** The stages of a descriptor (one per UDF transform); throws DescriptorError on anything unsupported. */
export function stagesOf(d: ProcessBundleDescriptor): Stage[] {
  const sources = new Map<string, Endpoint & { coderId: string }>(); // by output PCollection
  const sinks = new Map<string, Endpoint & { coderId: string }>(); // by input PCollection
  const udfTransforms: [string, PTransform][] = [];
  for (const [id, t] of Object.entries(d.transforms)) {
    const urn = t.spec?.urn ?? '';
    if (urn === SOURCE_URN) {
      const port = portOf(d, id, t);
      sources.set(single(d, `source ${id}`, t.outputs), {
        transformId: id,
        url: port.apiServiceDescriptor!.url,
        coderId: port.coderId,
      });
    } else if (urn === SINK_URN) {
      const port = portOf(d, id, t);
      sinks.set(single(d, `sink ${id}`, t.inputs), {
        transformId: id,
        url: port.apiServiceDescriptor!.url,
        coderId: port.coderId,
      });
    } else if (urn === SCALAR_FUNCTION_URN || urn === ARROW_AGGREGATE_URN) {
      udfTransforms.push([id, t]);
    } else if (t.subtransforms.length === 0) {
      fail(d, `transform ${id}: URN '${urn}' is not supported by the vecudf worker`);
    }
  }
  if (udfTransforms.length === 0)
    fail(d, 'no UDF transform (flink:transform:scalar_function:v1 or aggregate_function:arrow:v1)');
  return udfTransforms.map(([id, t]) => {
    const inPc = single(d, `transform ${id} inputs`, t.inputs);
    const outPc = single(d, `transform ${id} outputs`, t.outputs);
    const source = sources.get(inPc);
    if (!source) fail(d, `transform ${id}: no ${SOURCE_URN} produces its input PCollection '${inPc}'`);
    const sink = sinks.get(outPc);
    if (!sink) fail(d, `transform ${id}: no ${SINK_URN} consumes its output PCollection '${outPc}'`);
    const inInfo = coderInfoOf(d, source.coderId || (d.pcollections[inPc]?.coderId ?? ''), `input of ${id}`);
    const outInfo = coderInfoOf(d, sink.coderId || (d.pcollections[outPc]?.coderId ?? ''), `output of ${id}`);
    const [inMode, inSchema] = formatOf(d, inInfo, `input of ${id}`);
    const [outMode, outSchema] = formatOf(d, outInfo, `output of ${id}`);
    if (inMode !== outMode) fail(d, `transform ${id}: input is ${inMode} but output is ${outMode}`);
    if (inMode === 'arrow' && inInfo.mode !== CoderInfoDescriptor_Mode.MULTIPLE) {
      // Flink always declares MULTIPLE for Arrow input; anything else would be a different framing.
      fail(d, `input of ${id}: Arrow input must use mode MULTIPLE`);
    }
    let udfs: UserDefinedFunctions;
    try {
      udfs = UserDefinedFunctions.decode(t.spec!.payload);
    } catch (e) {
      return fail(
        d,
        `transform ${id}: payload is not Flink's UserDefinedFunctions (${(e as Error).message})`,
      );
    }
    const vectorized = isVectorized(udfs, `transform ${id}`);
    if (t.spec!.urn === ARROW_AGGREGATE_URN && (!vectorized || inMode !== 'arrow')) {
      fail(d, `transform ${id}: an Arrow aggregate needs vectorized UDFs and Arrow coders`);
    }
    if (vectorized !== (inMode === 'arrow')) {
      fail(d, `transform ${id}: is_pandas_udf=${vectorized} does not match its ${inMode} coders`);
    }
    const inputFields = fields(d, inSchema, `input of ${id}`);
    const outputFields = fields(d, outSchema, `output of ${id}`);
    let plan: Plan;
    try {
      plan = planFromUdfs(udfs, inputFields, outputFields, `transform ${id}`);
    } catch (e) {
      return fail(d, (e as Error).message);
    }
    return {
      transformId: id,
      urn: t.spec!.urn,
      mode: inMode,
      source,
      sink,
      inputFields,
      outputFields,
      plan,
      planKey: `${d.id}/${id}`,
      udfNames: udfNamesOf(plan),
    };
  });
}
