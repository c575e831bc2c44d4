/**
 * Entry point of the raw-throughput peer process (see raw-loopback.ts): a bare BeamFnData peer
 * (test/helpers/echo-data-peer.ts) that echoes `ratio` × the bytes it gets, with no Arrow, row
 * coder or UDF work. A separate entry so that it runs from the built output (dist/bench/lib/) as
 * well as from source with tsx.
 *
 * @example
 * node dist/bench/lib/echo-peer.js 127.0.0.1:40001 raw-1 dynamic
 * node dist/bench/lib/echo-peer.js 127.0.0.1:40001 raw-1 dynamic --window=4194304 --max-frame=1048576
 */
import { tuneHeapForDataPlane } from '../../src/util/heap-tuning.js';
import { peerTuningFlags, startEchoDataPeer } from '../../test/helpers/echo-data-peer.js';

// the same heap tuning as the worker it stands in for (the CLI sets it for every command)
tuneHeapForDataPlane();

const [url, id, ratio, ...flags] = process.argv.slice(2);
if (!url || !id) {
  console.error(
    'usage: echo-peer <data host:port> <worker id> [ratio | dynamic] [--window=<bytes>] [--max-frame=<bytes>]',
  );
  process.exit(2);
}
// "dynamic" (NaN): the ratio is read from each instruction id, after its last ':'.
const peer = startEchoDataPeer(url, id, ratio === undefined ? 1 : Number(ratio), peerTuningFlags(flags));
const stop = () => {
  peer.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
// The parent holds our stdin open: when it goes away, so do we (no orphaned peers).
process.stdin.on('end', stop);
process.stdin.resume();
