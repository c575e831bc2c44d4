/**
 * The Beam Fn API messages and grpc-js services (package `org.apache.beam.model.fn_execution.v1`),
 * generated from proto/ by `npm run codegen`. Import from here rather than from gen/.
 *
 * @example
 * import { Elements, InstructionRequest } from '../proto/fn-api.js';
 * const bytes = InstructionRequest.encode({ instructionId: '1', processBundle: { processBundleDescriptorId: '1-2', cacheTokens: [] } }).finish();
 */
export * from './gen/org/apache/beam/model/fn_execution/v1/beam_fn_api.js';
export {
  GetProvisionInfoRequest,
  GetProvisionInfoResponse,
  ProvisionInfo,
  ProvisionInfo_MetadataEntry,
  ProvisionServiceClient,
  type ProvisionServiceServer,
  ProvisionServiceService,
} from './gen/org/apache/beam/model/fn_execution/v1/beam_provision_api.js';
