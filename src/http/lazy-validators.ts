/**
 * Route schemas compiled on first use instead of at start-up.
 *
 * Fastify compiles every route's JSON schema with ajv when the server becomes ready; with several
 * hundred routes that is about a third of a second of Vigil's start-up, mostly for routes a given
 * process never serves. This factory wraps Fastify's own ajv compiler (same options, same shared
 * schemas) and defers each compilation to the first request that needs it. `compilePending()`
 * compiles whatever is still pending, so a test can prove every schema is valid.
 */
import AjvCompiler from '@fastify/ajv-compiler';

type RouteSchemaDef = { schema: unknown; method: string; url: string; httpPart?: string };
type Validator = ((data: unknown) => unknown) & { errors?: unknown };
type Compile = (def: RouteSchemaDef) => Validator;

const pending = new Set<() => void>();

/** A `schemaController.compilersFactory.buildValidator` that compiles lazily. */
export function lazyValidatorFactory(): (externalSchemas: unknown, options: unknown) => Compile {
  const build = (AjvCompiler as unknown as () => (ext: unknown, opts: unknown) => Compile)();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (def) => {
      let fn: Validator | undefined;
      const ensure = (): Validator => {
        if (!fn) {
          fn = compile(def);
          pending.delete(ensure);
        }
        return fn;
      };
      pending.add(ensure);
      const validate: Validator = (data) => {
        const f = ensure();
        const ok = f(data);
        validate.errors = f.errors;
        return ok;
      };
      return validate;
    };
  };
}

/** Compiles every schema not compiled yet; throws the first invalid schema's error. */
export function compilePending(): number {
  let n = 0;
  for (const ensure of [...pending]) {
    ensure();
    n++;
  }
  return n;
}
