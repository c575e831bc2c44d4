// A plain exported function, no vecudf import: the caller gives its kind and result type
// (`--kind vectorized --result-type DOUBLE`, or `kind` / `resultType` in a plan's UDF reference).
export function halve(x) {
  return x.div(2);
}
