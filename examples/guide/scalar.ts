import { type Series, DataTypes as T, udf, vectorizedUdf } from 'vecudf';

// Vectorized, with kernels: a BOOLEAN column, true where the URI is a video segment.
// String kernels work on the UTF-8 bytes; a null URI gives null.
export const isVideo = vectorizedUdf((uri: Series) => uri.str.startsWith('/video/'), {
  inputTypes: [T.STRING()],
  resultType: T.BOOLEAN(),
});

// Vectorized, with a hand-written loop over the Arrow buffers, returning a typed array.
// A typed array carries no nulls: declare the input NOT NULL, or return a Series or an array.
export const sizeBucket = vectorizedUdf(
  (bytes: Series) => {
    const kb = bytes.div(1000).values as Float64Array; // BIGINT / number → DOUBLE
    const out = new Int32Array(bytes.length);
    for (let i = 0; i < out.length; i++) out[i] = kb[i]! < 10 ? 0 : kb[i]! < 1000 ? 1 : 2;
    return out;
  },
  { inputTypes: [T.BIGINT(false)], resultType: T.INT(false) },
);

// Row-wise twin of the quickstart's mbPerSecond: one call per row with JS values
// (BIGINT arrives as a bigint, SQL NULL as null).
export const mbPerSecondRow = udf(
  (bytes: bigint | null, ms: bigint | null) =>
    bytes === null || ms === null || ms === 0n ? null : Number(bytes) / Number(ms) / 1000,
  { inputTypes: [T.BIGINT(), T.BIGINT()], resultType: T.DOUBLE() },
);
