/**
 * Sources: where input batches come from for `vecudf run` — CSV (typed by a schema or inferred
 * from a header and the first rows) and Arrow IPC, from a file or a stream, cut into batches by
 * size or by time. `openSource` picks one from a path or `-`.
 */
export { arrowBatches } from './arrow-source.js';
export { type CsvColumn, csvColumn, csvSupports } from './csv-columns.js';
export { type CsvColumnSpec, type CsvDecodeOptions, CsvDecoder } from './csv-decoder.js';
export { TypeInference } from './csv-infer.js';
export { CsvSource, type CsvSourceOptions } from './csv-source.js';
export { CsvLineError, SourceError } from './errors.js';
export {
  formatOfPath,
  type OpenedSource,
  type OpenSourceOptions,
  openSource,
  parseCsvSchema,
  type SourceFormat,
  sniffFormat,
} from './open-source.js';
