/**
 * Flink's UDF payload and coder messages (package `org.apache.flink.fn_execution.v1`).
 *
 * @example
 * import { UserDefinedFunctions } from '../proto/flink.js';
 * const udfs = UserDefinedFunctions.decode(transform.spec!.payload);
 */
export * from './gen/org/apache/flink/fn_execution/v1/flink_fn_execution.js';
