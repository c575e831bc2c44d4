import { type Series, DataTypes as T, udf, vectorizedUdf } from 'vecudf';

// UDFs that fail, to show the error messages (docs/udf-guide.md, "Errors").
export const tooShort = vectorizedUdf((x: Series) => x.slice(0, 1), {
  inputTypes: [T.DOUBLE()],
  resultType: T.DOUBLE(),
});

export const wrongValues = vectorizedUdf((x: Series) => x.toArray().map(String), {
  inputTypes: [T.DOUBLE()],
  resultType: T.DOUBLE(),
});

export const throws = udf(
  (x: number | null) => {
    if (x !== null && x < 0) throw new RangeError(`negative input ${x}`);
    return x;
  },
  { inputTypes: [T.DOUBLE()], resultType: T.DOUBLE() },
);
