import { type DataFrame, mapBatches, DataTypes as T } from 'vecudf';

// DataFrame in, DataFrame out (same number of rows): the columns of the ROW result type are
// taken from the returned frame by name.
export const withSpeed = mapBatches(
  (df: DataFrame) => df.assign({ mb_per_s: df.col('response_size').div(df.col('request_time')).div(1000) }),
  { resultType: T.ROW([T.FIELD('uri', T.STRING()), T.FIELD('mb_per_s', T.DOUBLE())]) },
);
