/**
 * The gRPC services the runner hosts for its workers, as Beam's runner does: Provision,
 * Control (+ GetProcessBundleDescriptor), Data, Logging and a State service that refuses every
 * request (the transforms here are stateless, but Flink always advertises a state endpoint).
 *
 * Every call must carry the `worker_id` metadata of a worker this runner started; anything else
 * is refused, so a stray client can neither take a worker's place nor read its descriptors.
 */
import * as grpc from '@grpc/grpc-js';
import {
  decodeElements,
  type ElementsMessage,
  type IncomingElements,
  serializeElements,
} from '../proto/elements-codec.js';
import {
  BeamFnControlService,
  BeamFnDataService,
  BeamFnLoggingService,
  BeamFnStateService,
  type GetProcessBundleDescriptorRequest,
  type GetProvisionInfoRequest,
  type GetProvisionInfoResponse,
  type InstructionRequest,
  type InstructionResponse,
  type LogControl,
  type LogEntry,
  type LogEntry_List,
  type ProcessBundleDescriptor,
  type ProvisionInfo,
  ProvisionServiceService,
  type StateRequest,
  type StateResponse,
} from '../proto/fn-api.js';
import { decodeInstructionResponse, encodeInstructionRequest } from './control-codec.js';
import type { WorkerConnection } from './worker-connection.js';

/** What the services look up: the runner's workers, descriptors, provision info and log sink. */
export interface ServiceRegistry {
  connection(workerId: string): WorkerConnection | undefined;
  descriptor(id: string): ProcessBundleDescriptor | undefined;
  provisionInfo(workerId: string): ProvisionInfo | undefined;
  log(workerId: string, entry: LogEntry): void;
}

/**
 * BeamFnData with the runner's own codec: incoming `Elements` decoded zero-copy, outgoing messages
 * already encoded (see src/proto/elements-codec.ts). Same method path, so the bytes on the wire are Beam's.
 */
export const RunnerDataService = {
  data: {
    path: BeamFnDataService.data.path,
    requestStream: true as const,
    responseStream: true as const,
    requestSerialize: (v: Buffer): Buffer => v,
    requestDeserialize: (v: Buffer): IncomingElements => decodeElements(v),
    // an ElementsMessage is written into a scratch buffer here, which grpc-js copies at once
    responseSerialize: serializeElements,
    responseDeserialize: (v: Buffer): Buffer => v,
  },
};

/**
 * BeamFnControl with the runner's codec for its instructions and the worker's responses
 * (src/runner/control-codec.ts: by hand for process_bundle, generated for the rest). Same method
 * paths and bytes as Beam's.
 */
export const RunnerControlService = {
  ...BeamFnControlService,
  control: {
    ...BeamFnControlService.control,
    requestDeserialize: (v: Buffer): InstructionResponse => decodeInstructionResponse(v),
    responseSerialize: (v: InstructionRequest): Buffer => encodeInstructionRequest(v),
  },
};

function workerIdOf(call: { metadata: grpc.Metadata }): string | undefined {
  const v = call.metadata.get('worker_id')[0];
  return v === undefined ? undefined : String(v);
}

function unknownWorker(id: string | undefined): Partial<grpc.StatusObject> {
  return {
    code: grpc.status.PERMISSION_DENIED,
    details: id === undefined ? 'missing worker_id metadata' : `unknown worker id '${id}'`,
  };
}

/** Adds Provision, Control, Logging and State to `server`. */
export function addControlServices(server: grpc.Server, reg: ServiceRegistry): void {
  server.addService(ProvisionServiceService, {
    getProvisionInfo(
      call: grpc.ServerUnaryCall<GetProvisionInfoRequest, GetProvisionInfoResponse>,
      cb: grpc.sendUnaryData<GetProvisionInfoResponse>,
    ) {
      const id = workerIdOf(call);
      const info = id === undefined ? undefined : reg.provisionInfo(id);
      if (!info) cb(unknownWorker(id), null);
      else cb(null, { info });
    },
  });

  server.addService(RunnerControlService, {
    control(call: grpc.ServerDuplexStream<InstructionResponse, InstructionRequest>) {
      const id = workerIdOf(call);
      const conn = id === undefined ? undefined : reg.connection(id);
      if (!conn) {
        call.emit('error', unknownWorker(id));
        return;
      }
      conn.attachControl(call);
    },
    getProcessBundleDescriptor(
      call: grpc.ServerUnaryCall<GetProcessBundleDescriptorRequest, ProcessBundleDescriptor>,
      cb: grpc.sendUnaryData<ProcessBundleDescriptor>,
    ) {
      const id = workerIdOf(call);
      if (id === undefined || !reg.connection(id)) {
        cb(unknownWorker(id), null);
        return;
      }
      const wanted = call.request.processBundleDescriptorId;
      const d = reg.descriptor(wanted);
      if (!d)
        cb(
          { code: grpc.status.NOT_FOUND, details: `ProcessBundleDescriptor with id ${wanted} not found` },
          null,
        );
      else cb(null, d);
    },
  });

  server.addService(BeamFnLoggingService, {
    logging(call: grpc.ServerDuplexStream<LogEntry_List, LogControl>) {
      const id = workerIdOf(call);
      if (id === undefined || !reg.connection(id)) {
        call.emit('error', unknownWorker(id));
        return;
      }
      call.on('data', (list: LogEntry_List) => {
        for (const e of list.logEntries) reg.log(id, e);
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });

  server.addService(BeamFnStateService, {
    state(call: grpc.ServerDuplexStream<StateRequest, StateResponse>) {
      call.on('data', (req: StateRequest) => {
        call.write({ id: req.id, error: 'the vecudf runner serves no state: its transforms are stateless' });
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
}

/** Adds BeamFnData (with the runner's codec) to `server`. */
export function addDataService(server: grpc.Server, reg: ServiceRegistry): void {
  server.addService(RunnerDataService, {
    data(call: grpc.ServerDuplexStream<IncomingElements, Buffer | ElementsMessage>) {
      const id = workerIdOf(call);
      const conn = id === undefined ? undefined : reg.connection(id);
      if (!conn) {
        call.emit('error', unknownWorker(id));
        return;
      }
      conn.attachData(call);
    },
  });
}
