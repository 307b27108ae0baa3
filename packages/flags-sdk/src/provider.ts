/** An OpenFeature server provider backed by a locally evaluated Vigil flag set. */
import {
  type ErrorCode,
  type EvaluationContext,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import type { ValueKind } from '../../../src/modules/flags/flag.ts';
import { VigilFlagsClient, type VigilFlagsOptions } from './client.ts';

export class VigilProvider implements Provider {
  readonly metadata = { name: 'vigil' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: VigilFlagsClient;

  constructor(opts: VigilFlagsOptions | VigilFlagsClient) {
    this.client = opts instanceof VigilFlagsClient ? opts : new VigilFlagsClient(opts);
    let stale = false;
    this.client.on((e) => {
      if (e.type === 'changed') {
        if (stale) this.events.emit(ProviderEvents.Ready);
        stale = false;
        this.events.emit(ProviderEvents.ConfigurationChanged, {});
      } else if (!stale) {
        stale = true;
        this.events.emit(ProviderEvents.Stale, { message: String((e.error as Error)?.message ?? e.error) });
      }
    });
  }

  async initialize(): Promise<void> {
    await this.client.start();
  }

  async onClose(): Promise<void> {
    this.client.stop();
  }

  private resolve<T>(
    key: string,
    defaultValue: T,
    ctx: EvaluationContext,
    kind: ValueKind,
  ): ResolutionDetails<T> {
    const r = this.client.evaluate(key, ctx as Record<string, unknown>, { expectedKind: kind, defaultValue });
    const out: ResolutionDetails<T> = {
      value: (r.value === undefined ? defaultValue : r.value) as T,
      reason: r.reason,
    };
    if (r.variant !== undefined) out.variant = r.variant;
    if (r.flagMetadata) out.flagMetadata = r.flagMetadata;
    if (r.errorCode) {
      out.errorCode = r.errorCode as ErrorCode;
      if (r.errorMessage) out.errorMessage = r.errorMessage;
    }
    return out;
  }

  async resolveBooleanEvaluation(key: string, def: boolean, ctx: EvaluationContext) {
    return this.resolve(key, def, ctx, 'boolean');
  }

  async resolveStringEvaluation(key: string, def: string, ctx: EvaluationContext) {
    return this.resolve(key, def, ctx, 'string');
  }

  async resolveNumberEvaluation(key: string, def: number, ctx: EvaluationContext) {
    return this.resolve(key, def, ctx, 'number');
  }

  async resolveObjectEvaluation<T extends JsonValue>(key: string, def: T, ctx: EvaluationContext) {
    return this.resolve(key, def, ctx, 'object');
  }
}
