import { Realms } from './realm';
import { RemoteObject, SyncSession } from './session';

/**
 * Live objects through the inspector's `Runtime.queryObjects`: V8 first collects all
 * the garbage it can (full, compacting collections until nothing more is freed, weak
 * references cleared), then lists every object of the prototype's realm whose
 * prototype chain includes the prototype. No `--expose-gc` is needed.
 *
 * V8 also clears the inline caches of all code (so that they keep nothing alive):
 * code run after a census is slower for a moment, never wrong.
 */
export interface LiveQuery {
  /** The live objects, in the realm of the prototype asked for; drop this array as soon as you can. */
  objects: object[];
  /** The inspector's id of the same array (valid until the realms' object group is released). */
  arrayId: string;
}

export function queryLive(session: SyncSession, realms: Realms, prototype: object): LiveQuery {
  const prototypeObjectId = realms.handle(prototype);
  const { objects } = session.post<{ objects: RemoteObject }>('Runtime.queryObjects', {
    prototypeObjectId,
    objectGroup: realms.group,
  });
  if (!objects.objectId) throw new Error('leakhound/testing: Runtime.queryObjects returned no array');
  return { objects: realms.take(objects.objectId, prototype) as object[], arrayId: objects.objectId };
}

let groups = 0;
/** A fresh object group name (ids of one census are released together). */
export function newGroup(): string {
  return `leakhound.testing.${++groups}`;
}
