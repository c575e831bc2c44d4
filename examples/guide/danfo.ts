import { fromDanfo, type Series, DataTypes as T, toDanfo, vectorizedUdf } from 'vecudf';

// The danfo.js adapter, for authors who prefer its API (npm install danfojs-node). It copies
// the column into JS arrays and back: fine for convenience, not for the hot path.
export const zScore = vectorizedUdf(
  async (x: Series) => {
    const s = await toDanfo(x);
    return fromDanfo(s.sub(s.mean()).div(s.std()), T.DOUBLE());
  },
  { inputTypes: [T.DOUBLE()], resultType: T.DOUBLE() },
);
