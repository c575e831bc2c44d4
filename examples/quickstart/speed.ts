import { DataTypes as T, vectorizedUdf } from 'vecudf';

// Download speed in MB/s. Called once per batch (10,000 rows by default) with whole columns:
// `bytes` and `ms` are Series over the Arrow buffers, and the arithmetic runs as typed-array
// loops instead of one call per row. A null input, or a time of 0, gives null.
export const mbPerSecond = vectorizedUdf((bytes, ms) => bytes.div(ms).div(1000), {
  inputTypes: [T.BIGINT(), T.BIGINT()],
  resultType: T.DOUBLE(),
});
