/**
 * Pins field numbers and wire types: our generated code must produce exactly the bytes a
 * protobuf encoder produces for the upstream Beam / Flink .proto files. Expected bytes are
 * written out by hand from the upstream field numbers (tag = field << 3 | wire type).
 */
import { describe, expect, it } from 'vitest';
import { UserDefinedFunction } from '../../src/proto/flink.js';
import {
  Elements,
  InstructionRequest,
  InstructionResponse,
  LogEntry,
  LogEntry_Severity_Enum,
  RemoteGrpcPort,
  StartWorkerRequest,
} from '../../src/proto/fn-api.js';
import { FunctionSpec, MonitoringInfo, WindowingStrategy } from '../../src/proto/pipeline.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ascii = (s: string) => Buffer.from(s, 'latin1').toString('hex');

describe('wire bytes of key messages', () => {
  it('Elements.Data: 1 instruction_id, 2 transform_id, 3 data, 4 is_last', () => {
    const bytes = Elements.encode({
      data: [
        {
          instructionId: '1',
          transformId: 'fn/read/input:0',
          data: new Uint8Array([1, 2, 3]),
          isLast: false,
        },
        { instructionId: '1', transformId: 't', data: new Uint8Array(0), isLast: true },
      ],
      timers: [],
    }).finish();
    const first = `0a0131120f${ascii('fn/read/input:0')}1a03010203`; // 3 + 17 + 5 = 25 bytes
    const second = '0a0131120174' + '2001'; // empty bytes and false bools are not written
    expect(hex(bytes)).toBe(`0a19${first}0a08${second}`);
  });

  it('InstructionRequest.process_bundle is field 1001 (tag varint ca 3e)', () => {
    const bytes = InstructionRequest.encode({
      instructionId: '7',
      processBundle: { processBundleDescriptorId: '1-2', cacheTokens: [] },
    }).finish();
    expect(hex(bytes)).toBe(`0a0137ca3e050a03${ascii('1-2')}`);
    const back = InstructionRequest.decode(bytes);
    expect(back.processBundle?.processBundleDescriptorId).toBe('1-2');
    expect(back.register).toBeUndefined();
  });

  it('InstructionResponse: 2 error, 1000 register (tag c2 3e), 1005 monitoring_infos', () => {
    expect(hex(InstructionResponse.encode({ instructionId: 'a', error: 'x' }).finish())).toBe('0a0161120178');
    expect(hex(InstructionResponse.encode({ instructionId: 'a', error: '', register: {} }).finish())).toBe(
      '0a0161c23e00',
    );
    // process_bundle response carrying one MonitoringInfo in the deprecated field 3
    const r = InstructionResponse.encode({
      instructionId: 'a',
      error: '',
      processBundle: {
        residualRoots: [],
        monitoringInfos: [{ urn: 'u', type: 't', payload: new Uint8Array([5]), labels: {} }],
        requiresFinalization: false,
        monitoringData: {},
      },
    }).finish();
    expect(hex(r)).toBe('0a0161ca3e0b1a090a0175120174' + '1a0105');
  });

  it('RemoteGrpcPort: 1 api_service_descriptor{1 url}, 2 coder_id', () => {
    const bytes = RemoteGrpcPort.encode({
      apiServiceDescriptor: { url: 'localhost:1234' },
      coderId: 'c',
    }).finish();
    expect(hex(bytes)).toBe(`0a100a0e${ascii('localhost:1234')}120163`);
  });

  it('FunctionSpec.payload is field 3 (there is no field 2)', () => {
    const bytes = FunctionSpec.encode({ urn: 'u', payload: new Uint8Array([9]) }).finish();
    expect(hex(bytes)).toBe('0a01751a0109');
  });

  it('MonitoringInfo.labels is map field 4 (entry: 1 key, 2 value)', () => {
    const bytes = MonitoringInfo.encode({
      urn: '',
      type: '',
      payload: new Uint8Array(0),
      labels: { PTRANSFORM: 't' },
    }).finish();
    expect(hex(bytes)).toBe(`220f0a0a${ascii('PTRANSFORM')}120174`);
  });

  it('LogEntry: 1 severity enum, 3 message, 5 instruction_id', () => {
    const bytes = LogEntry.encode({
      severity: LogEntry_Severity_Enum.ERROR,
      message: 'm',
      trace: '',
      instructionId: '2',
      transformId: '',
      logLocation: '',
      thread: '',
    }).finish();
    expect(hex(bytes)).toBe('08061a016d2a0132');
  });

  it('StartWorkerRequest: 1 worker_id, 2 control_endpoint, 10 params map', () => {
    const bytes = StartWorkerRequest.encode({
      workerId: 'w',
      controlEndpoint: { url: 'h:1' },
      params: { k: 'v' },
    }).finish();
    expect(hex(bytes)).toBe(`0a017712050a03${ascii('h:1')}52060a016b120176`);
  });

  it('Flink UserDefinedFunction: 1 payload, 2 inputs{2 inputOffset | 3 inputConstant}, 5 is_pandas_udf', () => {
    const bytes = UserDefinedFunction.encode({
      payload: new Uint8Array([0x7b, 0x7d]),
      inputs: [{ inputOffset: 1 }, { inputConstant: new Uint8Array([0]) }],
      windowIndex: 0,
      takesRowAsInput: false,
      isPandasUdf: true,
    }).finish();
    expect(hex(bytes)).toBe('0a027b7d' + '12021001' + '12031a0100' + '2801');
  });

  it('int64 fields are bigint; negative values take 10 bytes', () => {
    const bytes = WindowingStrategy.encode(
      WindowingStrategy.fromPartial({ windowCoderId: 'w', allowedLateness: -1n }),
    ).finish();
    expect(hex(bytes)).toBe('1a0177' + '40ffffffffffffffffff01');
    expect(WindowingStrategy.decode(bytes).allowedLateness).toBe(-1n);
  });
});

describe('decoding', () => {
  it('skips unknown fields (newer upstream fields)', () => {
    // Data{instruction_id "1", field 99 varint 5, is_last true}; field 99 tag = 99<<3|0 = 792 = 98 06
    const data = new Uint8Array([0x0a, 0x01, 0x31, 0x98, 0x06, 0x05, 0x20, 0x01]);
    const outer = new Uint8Array([0x0a, data.length, ...data]);
    const decoded = Elements.decode(outer);
    expect(decoded.data[0]).toMatchObject({ instructionId: '1', isLast: true });
  });

  it('returns Elements.Data.data as a view on the received buffer (no copy)', () => {
    const payload = new Uint8Array(4096).map((_, i) => i & 0xff);
    const bytes = Elements.encode({
      data: [{ instructionId: '1', transformId: 't', data: payload, isLast: false }],
      timers: [],
    }).finish();
    const received = Buffer.from(bytes); // what grpc-js hands the deserializer
    const decoded = Elements.decode(received).data[0]!.data;
    expect(decoded.buffer).toBe(received.buffer);
    expect(decoded.byteOffset).toBe(received.byteOffset + (received.length - payload.length));
    expect(Buffer.from(decoded).equals(Buffer.from(payload))).toBe(true);
  });
});
