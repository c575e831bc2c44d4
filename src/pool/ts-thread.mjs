// The thread entry when the pool runs from the TypeScript sources (vitest, `tsx bench/…`, a worker
// started with `node --import tsx src/cli/main.ts`). It registers tsx's ESM hooks in this thread and
// imports pool-thread.ts through them, so that the pool code, the codec, apache-arrow and the UDF
// modules (imported the same way, see src/udf/load.ts) form one ESM module graph.
//
// Why not `--import tsx` in the thread's execArgv: on Node 20 that installs only tsx's CommonJS
// hook in a worker thread, and piscina `require()`s its entry first — pool-thread.ts then ran as
// CommonJS with the CommonJS build of apache-arrow and its own copy of our modules, while a UDF
// module (imported) got the ESM copies: a Series built by the UDF carried the other copy's Arrow
// vector, and the encoded result was corrupt ("field 3 points past the end of the flatbuffer").
// A .mjs cannot be require()d on Node 20, so piscina falls back to import() here.
import { register } from 'tsx/esm/api';

register();
const entry = await import(new URL('./pool-thread.ts', import.meta.url).href);

export default entry.default;
