import { type Series, DataTypes as T, vectorizedUdaf } from 'vecudf';

// Vectorized aggregate: called once per group with the group's rows as Series, returns one value.
// SUM of a BIGINT column is an exact bigint.
export const meanSpeed = vectorizedUdaf(
  (bytes: Series, ms: Series) => Number(bytes.sum()) / Number(ms.sum()),
  { inputTypes: [T.BIGINT(), T.BIGINT()], resultType: T.DOUBLE() },
);
