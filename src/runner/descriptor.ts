/**
 * The ProcessBundleDescriptor, built exactly as Flink's `BeamPythonFunctionRunner` + Beam's
 * `ProcessBundleDescriptors` build it for a Python scalar or Arrow aggregate function
 * (../shared/protocol-notes/pyflink.md §1.3): the same transform, PCollection, coder and
 * windowing-strategy ids, `flink:coder:v1` coders whose payload is a `CoderInfoDescriptor`, and
 * `length_prefix` + `param_windowed_value` wire coders. A worker that runs this descriptor runs
 * Flink's too.
 *
 * @example
 * const d = buildDescriptor({ id: '1-2', urn: SCALAR_FUNCTION_URN, payload, dataUrl, stateUrl,
 *   input: { arrowType: { schema: inSchema }, mode: 1 }, output: { arrowType: { schema: outSchema }, mode: 0 } });
 */
import { type CoderInfoDescriptor as CoderInfo, CoderInfoDescriptor } from '../proto/flink.js';
import { type ProcessBundleDescriptor, RemoteGrpcPort } from '../proto/fn-api.js';
import type { Coder, PCollection, PTransform } from '../proto/pipeline.js';
import { INPUT_TRANSFORM, OUTPUT_TRANSFORM } from './bundle.js';

export const SCALAR_FUNCTION_URN = 'flink:transform:scalar_function:v1';
export const ARROW_AGGREGATE_URN = 'flink:transform:aggregate_function:arrow:v1';
export const FLINK_CODER_URN = 'flink:coder:v1';

const INPUT_PCOLLECTION = 'input';
const OUTPUT_PCOLLECTION = '';
const WINDOWING_STRATEGY = 'windowing_strategy';

/**
 * `param_windowed_value` payload: a windowed value in the global window with an empty value,
 * encoded by Beam's FullWindowedValueCoder — min timestamp (8 bytes), one window (int32 count;
 * the global window encodes to nothing), pane NO_FIRING (0x0f), empty bytes (0x00). 14 bytes.
 */
export const PARAM_WINDOWED_VALUE_PAYLOAD = Uint8Array.of(
  0x7f,
  0xdf,
  0x3b,
  0x64,
  0x5a,
  0x1c,
  0xac,
  0x09,
  0x00,
  0x00,
  0x00,
  0x01,
  0x0f,
  0x00,
);

export interface DescriptorSpec {
  id: string;
  /** Transform URN: SCALAR_FUNCTION_URN or ARROW_AGGREGATE_URN. */
  urn: string;
  /** Encoded `UserDefinedFunctions`. */
  payload: Uint8Array;
  /** Data service `host:port`, named in the RemoteGrpcPorts. */
  dataUrl: string;
  /** State service `host:port` (Flink always sets one). */
  stateUrl: string;
  /** Coder info of the UDF input (mode MULTIPLE) and output (mode SINGLE). */
  input: CoderInfo;
  output: CoderInfo;
}

const EMPTY = new Uint8Array(0);

function coder(urn: string, components: string[] = [], payload: Uint8Array = EMPTY): Coder {
  return { spec: { urn, payload }, componentCoderIds: components };
}

function transform(
  urn: string,
  payload: Uint8Array,
  inputs: Record<string, string>,
  outputs: Record<string, string>,
  uniqueName = '',
): PTransform {
  return {
    spec: { urn, payload },
    subtransforms: [],
    inputs,
    outputs,
    uniqueName,
    displayData: [],
    environmentId: '',
    annotations: {},
  };
}

function pcollection(coderId: string): PCollection {
  return { uniqueName: '', coderId, isBounded: 0, windowingStrategyId: WINDOWING_STRATEGY, displayData: [] };
}

/** Builds the descriptor (ids as Flink names them; see the table in pyflink.md §1.3). */
export function buildDescriptor(spec: DescriptorSpec): ProcessBundleDescriptor {
  const port = (coderId: string) =>
    RemoteGrpcPort.encode({ apiServiceDescriptor: { url: spec.dataUrl }, coderId }).finish();
  const wireIn = `fn/wire/${INPUT_PCOLLECTION}:0`;
  const wireOut = `fn/wire/${OUTPUT_PCOLLECTION}:0`;
  return {
    id: spec.id,
    transforms: {
      transform: transform(
        spec.urn,
        spec.payload,
        { input: INPUT_PCOLLECTION },
        { '': OUTPUT_PCOLLECTION },
        'transform',
      ),
      [INPUT_TRANSFORM]: transform(
        'beam:runner:source:v1',
        port(`${wireIn}-length_prefix0`),
        {},
        { local_output: INPUT_PCOLLECTION },
      ),
      [OUTPUT_TRANSFORM]: transform(
        'beam:runner:sink:v1',
        port(`${wireOut}-length_prefix0`),
        { local_input: OUTPUT_PCOLLECTION },
        {},
      ),
    },
    pcollections: {
      [INPUT_PCOLLECTION]: pcollection('input_coder-length_prefix0'),
      [OUTPUT_PCOLLECTION]: pcollection('output_coder'),
    },
    windowingStrategies: {
      [WINDOWING_STRATEGY]: {
        mergeStatus: 0,
        windowCoderId: 'window_coder',
        trigger: EMPTY,
        accumulationMode: 0,
        outputTime: 0,
        closingBehavior: 0,
        allowedLateness: 0n,
        onTimeBehavior: 0,
        assignsToOneWindow: false,
        environmentId: '',
      },
    },
    coders: {
      input_coder: coder(FLINK_CODER_URN, [], CoderInfoDescriptor.encode(spec.input).finish()),
      output_coder: coder(FLINK_CODER_URN, [], CoderInfoDescriptor.encode(spec.output).finish()),
      window_coder: coder('beam:coder:global_window:v1'),
      byte_array0: coder('beam:coder:bytes:v1'),
      length_prefix_byte_array0: coder('beam:coder:length_prefix:v1', ['byte_array0']),
      'input_coder-length_prefix0': coder('beam:coder:length_prefix:v1', ['input_coder']),
      'output_coder-length_prefix0': coder('beam:coder:length_prefix:v1', ['output_coder']),
      [wireIn]: coder(
        'beam:coder:param_windowed_value:v1',
        ['input_coder', 'window_coder'],
        PARAM_WINDOWED_VALUE_PAYLOAD,
      ),
      [`${wireIn}-length_prefix0`]: coder(
        'beam:coder:param_windowed_value:v1',
        ['input_coder-length_prefix0', 'window_coder'],
        PARAM_WINDOWED_VALUE_PAYLOAD,
      ),
      [wireOut]: coder(
        'beam:coder:param_windowed_value:v1',
        ['output_coder', 'window_coder'],
        PARAM_WINDOWED_VALUE_PAYLOAD,
      ),
      [`${wireOut}-length_prefix0`]: coder(
        'beam:coder:param_windowed_value:v1',
        ['output_coder-length_prefix0', 'window_coder'],
        PARAM_WINDOWED_VALUE_PAYLOAD,
      ),
    },
    environments: {},
    stateApiServiceDescriptor: { url: spec.stateUrl },
  };
}
