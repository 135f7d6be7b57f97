import { types } from 'node:util';
import { RemoteObject, SyncSession } from './session';

/**
 * Moving objects between our JavaScript and the inspector, which names objects by
 * id within one execution context (one realm: a global object and its `Object`,
 * `Array`, …). Node's main realm is the inspector's default context; Jest runs each
 * test file in a `vm` context of its own, which the inspector lists beside it.
 *
 * To name an object, it is hung for a moment on its realm's `Object` constructor under
 * a registered symbol, and the realm's context evaluates `Object[symbol]`. Not on the
 * global object: Jest 30's global records every value set on it until the test file
 * ends, which would itself be a leak. Where `Object` is frozen (SES' `lockdown()`), on
 * `globalThis` after all.
 */
const MARK_KEY = 'leakhound.testing.mark';
const MARK = Symbol.for(MARK_KEY);
const READ_MARK = `Object[Symbol.for(${JSON.stringify(MARK_KEY)})]`;
const READ_GLOBAL_MARK = `globalThis[Symbol.for(${JSON.stringify(MARK_KEY)})]`;

/** The inspector's context id of each realm found so far, by the realm's `Object`. */
const contextIds = new WeakMap<object, number>();

interface EvaluateResult {
  result: RemoteObject;
  exceptionDetails?: { text: string };
}

/**
 * The `Object` constructor of the realm `value` belongs to: the end of its prototype
 * chain is that realm's `Object.prototype`. Proxies and objects without a prototype
 * are taken for this realm's.
 */
function realmObjectOf(value: object): ObjectConstructor {
  let p: object = value;
  for (;;) {
    if (types.isProxy(p)) return Object;
    const next = Object.getPrototypeOf(p) as object | null;
    if (next === null) break;
    p = next;
  }
  const ctor = Object.getOwnPropertyDescriptor(p, 'constructor')?.value as unknown;
  return typeof ctor === 'function' && !types.isProxy(ctor) ? (ctor as ObjectConstructor) : Object;
}

export class Realms {
  constructor(
    private readonly session: SyncSession,
    /** The object group every id handed out belongs to; release it when done. */
    readonly group: string,
  ) {}

  /** An inspector id for `value`, in the context of the realm it belongs to. */
  handle(value: object): string {
    const realmObject = realmObjectOf(value);
    const onObject = Object.isExtensible(realmObject);
    const holder: object = onObject ? realmObject : globalThis;
    const expression = onObject ? READ_MARK : READ_GLOBAL_MARK;
    Object.defineProperty(holder, MARK, { value, configurable: true, enumerable: false, writable: false });
    try {
      const known = contextIds.get(realmObject);
      if (known !== undefined) {
        const id = this.evaluateMark(expression, known);
        if (id) return id;
      }
      const fromDefault = this.evaluateMark(expression, undefined);
      if (fromDefault) return fromDefault;
      for (const contextId of this.contextIds()) {
        const id = this.evaluateMark(expression, contextId);
        if (id) {
          contextIds.set(realmObject, contextId);
          return id;
        }
      }
      throw new Error('leakhound/testing: no execution context of the inspector holds this realm');
    } finally {
      delete (holder as Record<symbol, unknown>)[MARK];
    }
  }

  /**
   * The object an inspector id names, as a value of our own. The inspector hands it
   * over only to an object of its own realm: the realm of `sameRealmAs`.
   */
  take(objectId: string, sameRealmAs: object = Object.prototype): unknown {
    const box = new (realmObjectOf(sameRealmAs))() as { value?: unknown };
    this.post('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration: 'function (box) { box.value = this; }',
      arguments: [{ objectId: this.handle(box) }],
      silent: true,
    });
    return box.value;
  }

  /** Calls `functionDeclaration` with `this` = the object `objectId` names and plain arguments. */
  call(objectId: string, functionDeclaration: string, args: unknown[] = []): RemoteObject {
    const { result } = this.post<EvaluateResult>('Runtime.callFunctionOn', {
      objectId,
      functionDeclaration,
      arguments: args.map((value) => ({ value })),
      objectGroup: this.group,
      silent: true,
    });
    return result;
  }

  release(): void {
    this.post('Runtime.releaseObjectGroup', { objectGroup: this.group });
  }

  private post<T = Record<string, unknown>>(method: string, params: object): T {
    return this.session.post<T>(method, params);
  }

  private evaluateMark(expression: string, contextId: number | undefined): string | undefined {
    const r = this.post<EvaluateResult>('Runtime.evaluate', {
      expression,
      contextId,
      objectGroup: this.group,
      silent: true,
    });
    return r.exceptionDetails ? undefined : r.result.objectId;
  }

  /**
   * Every execution context, listed by enabling the Runtime domain (each context
   * comes as an event, synchronously). It stays enabled until the session closes:
   * disabling it would discard every id handed out so far.
   */
  private contextIds(): number[] {
    if (this.listed) return this.listed;
    const ids: number[] = [];
    const listener = (m: { params: never }): void => {
      ids.push((m.params as { context: { id: number } }).context.id);
    };
    this.session.on('Runtime.executionContextCreated', listener);
    try {
      this.post('Runtime.enable', {});
    } finally {
      this.session.off('Runtime.executionContextCreated', listener);
    }
    return (this.listed = ids);
  }

  private listed: number[] | undefined;
}
