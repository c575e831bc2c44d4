/**
 * Loading a UDF by module and export name, as the plan and `vecudf run --udf file#export` name
 * them. Each module is imported once per process (cached by resolved URL); .js/.mjs/.cjs go
 * through Node's `import()`, .ts/.mts/.cts through Node's `import()` with tsx's loader hooks registered.
 *
 * @example
 * const plus = await loadUdf({ module: './udfs.ts', export: 'plus' }, { baseDir: process.cwd() });
 * const raw = await loadUdf({ ...parseUdfRef('./fns.mjs#double'), kind: 'vectorized', resultType: 'DOUBLE' },
 *   { baseDir: process.cwd() });
 */
import { pathToFileURL } from 'node:url';
import { type DataType, typeToString, withNullable } from '../types/data-types.js';
import { makeUdf, resolveType } from './define.js';
import { resolveModulePath } from './module-path.js';
import { isUdf, UDF_KINDS, type Udf, type UdfKind } from './types.js';

/**
 * A reference to a UDF: a module (path relative to `baseDir`, absolute path, `file:` URL, or a
 * package name found in node_modules; never a network URL, see module-path.ts) and an export name. `kind`, `inputTypes`, `resultType` are required for a plain exported
 * function, and, when given for a UDF object, must agree with it.
 */
export interface UdfRef {
  module: string;
  export: string;
  kind?: UdfKind;
  inputTypes?: (DataType | string)[];
  resultType?: DataType | string;
  /** Name used in errors and metrics for a plain function (defaults to the export name). */
  name?: string;
}

export interface LoadUdfOptions {
  /** Directory that relative module paths are resolved against. */
  baseDir: string;
  /**
   * When given, modules must live inside one of these directories (real paths: symlinks and `..`
   * resolved), or in vecudf's own node_modules (design §7: allowed locations). The worker always
   * gives them (`--udf-root`, default its working directory); the library's callers need not.
   */
  allowedDirs?: readonly string[] | undefined;
}

/** Splits `path/to/file.ts#exportName` (export defaults to `default`; the last `#` separates). */
export function parseUdfRef(text: string): { module: string; export: string } {
  if (typeof text !== 'string' || text.length === 0)
    throw new TypeError('UDF reference: expected "file#export"');
  const hash = text.lastIndexOf('#');
  if (hash < 0) return { module: text, export: 'default' };
  const module = text.slice(0, hash);
  const exp = text.slice(hash + 1);
  if (module.length === 0) throw new TypeError(`UDF reference '${text}': the module path is empty`);
  if (exp.length === 0) throw new TypeError(`UDF reference '${text}': the export name after '#' is empty`);
  return { module, export: exp };
}

const moduleCache = new Map<string, Promise<Record<string, unknown>>>();

/** Forgets every imported module (tests; a changed file on disk is not re-read by Node anyway for .js). */
export function clearUdfModuleCache(): void {
  moduleCache.clear();
}

let tsRegistered: Promise<void> | undefined;

/**
 * Registers tsx's loader hooks once for the whole process, so that .ts UDF modules are imported
 * by Node's own `import()`. (tsx's `tsImport` would load them in a separate namespace with its own
 * copy of apache-arrow, whose vectors then fail in ours.)
 */
function registerTypeScript(): Promise<void> {
  tsRegistered ??= (async () => {
    let api: { register: () => unknown };
    try {
      api = (await import('tsx/esm/api')) as typeof api;
    } catch {
      throw new Error(
        'loading a TypeScript UDF module needs the tsx package (npm install tsx), or compile it to .js',
      );
    }
    api.register();
  })();
  return tsRegistered;
}

async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  let p = moduleCache.get(url);
  if (!p) {
    p = (async () => {
      try {
        if (/\.[cm]?ts$/.test(path)) await registerTypeScript();
        return (await import(url)) as Record<string, unknown>;
      } catch (e) {
        const err = new Error(`cannot load UDF module ${path}: ${(e as Error).message ?? e}`, { cause: e });
        throw err;
      }
    })();
    moduleCache.set(url, p);
    p.catch(() => moduleCache.delete(url));
  }
  return p;
}

function sameTypeIgnoringNullability(a: DataType, b: DataType): boolean {
  return typeToString(withNullable(a, true)) === typeToString(withNullable(b, true));
}

/** Loads the module (once) and returns the UDF the reference names, checked against the reference. */
export async function loadUdf(ref: UdfRef, opts: LoadUdfOptions): Promise<Udf> {
  if (
    ref === null ||
    typeof ref !== 'object' ||
    typeof ref.module !== 'string' ||
    typeof ref.export !== 'string'
  ) {
    throw new TypeError('UDF reference: expected { module: string, export: string }');
  }
  if (ref.kind !== undefined && !UDF_KINDS.includes(ref.kind)) {
    throw new TypeError(
      `UDF reference ${ref.module}#${ref.export}: kind must be one of ${UDF_KINDS.join(', ')}, got '${ref.kind}'`,
    );
  }
  const path = resolveModulePath(ref.module, opts);
  const mod = await importModule(path);
  const where = `export '${ref.export}' of ${path}`;
  if (!(ref.export in mod)) {
    const names = Object.keys(mod).filter((k) => k !== '__esModule');
    throw new Error(
      `UDF module ${path} has no export '${ref.export}' (it exports: ${names.join(', ') || 'nothing'})`,
    );
  }
  const value = mod[ref.export];
  const refInputs = ref.inputTypes?.map((t, i) => resolveType(t, `${where} inputTypes[${i}]`));
  const refResult =
    ref.resultType === undefined ? undefined : resolveType(ref.resultType, `${where} resultType`);

  if (isUdf(value)) {
    if (ref.kind !== undefined && ref.kind !== value.kind) {
      throw new TypeError(`${where} is a ${value.kind} UDF, but ${ref.kind} was asked for`);
    }
    if (refResult && !sameTypeIgnoringNullability(refResult, value.resultType)) {
      throw new TypeError(
        `${where}: its result type is ${typeToString(value.resultType)}, but ${typeToString(refResult)} was asked for`,
      );
    }
    if (refInputs && value.inputTypes) {
      const same =
        refInputs.length === value.inputTypes.length &&
        refInputs.every((t, i) => sameTypeIgnoringNullability(t, value.inputTypes![i]!));
      if (!same) {
        throw new TypeError(
          `${where}: its input types are (${value.inputTypes.map(typeToString).join(', ')}), but (${refInputs.map(typeToString).join(', ')}) were asked for`,
        );
      }
    }
    // An anonymous function (`export const plus = vectorizedUdf((a, b) => …)`) is named after its export.
    const name = value.name === 'anonymous' && !value.fn.name ? (ref.name ?? ref.export) : value.name;
    if ((refInputs && !value.inputTypes) || name !== value.name) {
      const inputTypes = value.inputTypes ?? refInputs;
      const spec = inputTypes
        ? { name, inputTypes, resultType: value.resultType }
        : { name, resultType: value.resultType };
      return makeUdf(value.kind, value.fn, spec);
    }
    return value;
  }
  if (typeof value === 'function') {
    if (ref.kind === undefined || refResult === undefined) {
      throw new TypeError(
        `${where} is a plain function: give its kind (${UDF_KINDS.join(' | ')}) and resultType, or export it wrapped with udf/vectorizedUdf/vectorizedUdaf/mapBatches`,
      );
    }
    const spec = refInputs
      ? { name: ref.name ?? ref.export, inputTypes: refInputs, resultType: refResult }
      : { name: ref.name ?? ref.export, resultType: refResult };
    return makeUdf(ref.kind, value as (...a: unknown[]) => unknown, spec);
  }
  throw new TypeError(
    `${where} is neither a UDF nor a function (got ${value === null ? 'null' : typeof value})`,
  );
}
