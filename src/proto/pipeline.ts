/**
 * The Beam Runner API messages a ProcessBundleDescriptor is made of (package
 * `org.apache.beam.model.pipeline.v1`), plus the protobuf well-known types they use.
 *
 * @example
 * import { FunctionSpec } from '../proto/pipeline.js';
 * const spec = FunctionSpec.fromPartial({ urn: 'beam:runner:source:v1' });
 */
export { Duration } from './gen/google/protobuf/duration.js';
export { Struct } from './gen/google/protobuf/struct.js';
export { Timestamp } from './gen/google/protobuf/timestamp.js';
export * from './gen/org/apache/beam/model/pipeline/v1/beam_runner_api.js';
export {
  ApiServiceDescriptor,
  AuthenticationSpec,
} from './gen/org/apache/beam/model/pipeline/v1/endpoints.js';
export {
  MonitoringInfo,
  MonitoringInfo_LabelsEntry,
} from './gen/org/apache/beam/model/pipeline/v1/metrics.js';
