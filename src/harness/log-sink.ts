/**
 * The worker's log: entries go to the runner's BeamFnLogging service in batches (one
 * `LogEntry.List` per flush, at most `maxBatch` entries), tagged with severity, time, and the
 * instruction / transform they belong to. Without a logging endpoint, or once the stream has
 * failed, entries are written as text lines to the fallback (stderr), so nothing is lost silently.
 * The queue is bounded: past `maxQueued` entries the oldest are dropped and a warning says how many.
 *
 * @example
 * const log = new LogSink({ workerId: '1-1', url: 'localhost:50000' });
 * log.log('info', 'worker started');
 * log.log('error', 'UDF failed', { instructionId: '3', trace: err.stack });
 * await log.close();
 */
import type * as grpc from '@grpc/grpc-js';
import {
  BeamFnLoggingClient,
  type LogEntry,
  type LogEntry_List,
  LogEntry_Severity_Enum,
} from '../proto/fn-api.js';
import { insecure, workerChannelOptions } from './worker-id.js';

export type Severity = 'trace' | 'debug' | 'info' | 'notice' | 'warn' | 'error' | 'critical';

const SEVERITY: Record<Severity, LogEntry_Severity_Enum> = {
  trace: LogEntry_Severity_Enum.TRACE,
  debug: LogEntry_Severity_Enum.DEBUG,
  info: LogEntry_Severity_Enum.INFO,
  notice: LogEntry_Severity_Enum.NOTICE,
  warn: LogEntry_Severity_Enum.WARN,
  error: LogEntry_Severity_Enum.ERROR,
  critical: LogEntry_Severity_Enum.CRITICAL,
};

export interface LogDetails {
  instructionId?: string | undefined;
  transformId?: string | undefined;
  /** A stack trace or other long detail. */
  trace?: string | undefined;
  /** Where the entry comes from (`console`, `stdout`, a module name). */
  location?: string | undefined;
}

export interface LogSinkOptions {
  workerId: string;
  /** BeamFnLogging `host:port`; without it every entry goes to the fallback. */
  url?: string | undefined;
  /** TLS and token for the Logging service (default: plain text, for a runner on loopback). */
  credentials?: grpc.ChannelCredentials | undefined;
  /** Receives entries as text when there is no logging stream (default: stderr). */
  fallback?: (line: string) => void;
  /** Entries per `LogEntry.List` (default 100, as Beam's TypeScript harness). */
  maxBatch?: number;
  /** An entry waits at most this long before it is sent (default 20 ms). */
  flushMs?: number;
  /** Entries kept while the stream is busy; older ones are dropped beyond this (default 10,000). */
  maxQueued?: number;
}

const originalStderrWrite = process.stderr.write.bind(process.stderr);

export class LogSink {
  readonly #opts: Required<Omit<LogSinkOptions, 'url' | 'credentials'>> & { url: string | undefined };
  readonly #credentials: grpc.ChannelCredentials | undefined;
  readonly #queue: LogEntry[] = [];
  #client: BeamFnLoggingClient | undefined;
  #stream: grpc.ClientDuplexStream<LogEntry_List, unknown> | undefined;
  #streamEnded: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #waitingDrain = false;
  #failed = false;
  #closed = false;
  #dropped = 0;

  constructor(opts: LogSinkOptions) {
    this.#opts = {
      workerId: opts.workerId,
      url: opts.url,
      fallback: opts.fallback ?? ((line) => void originalStderrWrite(`${line}\n`)),
      maxBatch: opts.maxBatch ?? 100,
      flushMs: opts.flushMs ?? 20,
      maxQueued: opts.maxQueued ?? 10_000,
    };
    this.#credentials = opts.credentials;
    if (opts.url) this.#open(opts.url);
  }

  /** True while entries go to the Logging service. */
  get streaming(): boolean {
    return this.#stream !== undefined && !this.#failed;
  }

  #open(url: string): void {
    this.#client = new BeamFnLoggingClient(
      url,
      this.#credentials ?? insecure(),
      workerChannelOptions(this.#opts.workerId),
    );
    const stream = this.#client.logging();
    this.#stream = stream;
    this.#streamEnded = new Promise<void>((resolve) => {
      stream.on('status', () => resolve());
      stream.on('close', () => resolve());
    });
    stream.on('data', () => {}); // LogControl messages carry nothing
    stream.on('error', (e: Error) => {
      if (this.#closed) return;
      this.#failed = true;
      this.#opts.fallback(
        `[vecudf worker ${this.#opts.workerId}] logging stream to ${url} failed: ${e.message}`,
      );
      this.#flushToFallback();
    });
    stream.on('drain', () => {
      this.#waitingDrain = false;
      this.#flush();
    });
  }

  /** Queues one entry. */
  log(severity: Severity, message: string, details: LogDetails = {}): void {
    const now = Date.now();
    const entry: LogEntry = {
      severity: SEVERITY[severity],
      timestamp: { seconds: BigInt(Math.floor(now / 1000)), nanos: (now % 1000) * 1_000_000 },
      message,
      trace: details.trace ?? '',
      instructionId: details.instructionId ?? '',
      transformId: details.transformId ?? '',
      logLocation: details.location ?? '',
      thread: '',
    };
    if (!this.streaming || this.#closed) {
      this.#opts.fallback(formatEntry(entry));
      return;
    }
    if (this.#queue.length >= this.#opts.maxQueued) {
      this.#queue.shift();
      this.#dropped++;
    }
    this.#queue.push(entry);
    if (this.#queue.length >= this.#opts.maxBatch) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), this.#opts.flushMs).unref();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#failed) {
      this.#flushToFallback();
      return;
    }
    const stream = this.#stream;
    if (!stream || this.#waitingDrain) return;
    if (this.#dropped > 0) {
      const n = this.#dropped;
      this.#dropped = 0;
      this.#queue.unshift({
        severity: LogEntry_Severity_Enum.WARN,
        message: `${n} log entries were dropped: the logging stream could not keep up`,
        trace: '',
        instructionId: '',
        transformId: '',
        logLocation: 'vecudf',
        thread: '',
      });
    }
    while (this.#queue.length > 0) {
      const logEntries = this.#queue.splice(0, this.#opts.maxBatch);
      if (!stream.write({ logEntries })) {
        this.#waitingDrain = true;
        return;
      }
    }
  }

  #flushToFallback(): void {
    for (const e of this.#queue.splice(0)) this.#opts.fallback(formatEntry(e));
  }

  /** Sends what is queued (waits for the stream to take it, at most `timeoutMs`). */
  async flush(timeoutMs = 2000): Promise<void> {
    this.#flush();
    const deadline = Date.now() + timeoutMs;
    while ((this.#queue.length > 0 || this.#waitingDrain) && !this.#failed && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Flushes, ends the stream and waits (briefly) for the runner to close it. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    await this.flush(timeoutMs);
    this.#closed = true;
    const stream = this.#stream;
    if (stream && !this.#failed) {
      stream.end();
      await Promise.race([this.#streamEnded, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    }
    this.#flushToFallback();
    this.#client?.close();
  }
}

const NAMES = ['UNSPECIFIED', 'TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'ERROR', 'CRITICAL'];

/** One text line for an entry (fallback output). */
export function formatEntry(e: LogEntry): string {
  const where = e.instructionId
    ? ` [instruction ${e.instructionId}${e.transformId ? `/${e.transformId}` : ''}]`
    : '';
  const trace = e.trace ? `\n${e.trace}` : '';
  return `${NAMES[e.severity] ?? e.severity}${where} ${e.message}${trace}`;
}
