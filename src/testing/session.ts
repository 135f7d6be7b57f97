import * as inspector from 'node:inspector';

/**
 * An in-thread `node:inspector` session used synchronously: V8 answers a command
 * sent to the thread's own inspector before `post` returns (and sends the events
 * the command causes, such as heap snapshot chunks, before the answer).
 *
 * A session is opened for one census and closed right after: while a session is
 * connected, Node also hands every `console.log` call to V8's console, which keeps
 * the last 1000 messages and their arguments alive — the code under test must not
 * run with one open.
 */
export class SyncSession {
  private readonly session = new inspector.Session();

  constructor() {
    this.session.connect();
  }

  post<T = Record<string, unknown>>(method: string, params?: object): T {
    let answer: { error: Error | null; result?: unknown } | undefined;
    this.session.post(method, params, (error, result) => (answer = { error, result }));
    if (!answer) throw new Error(`leakhound/testing: the inspector did not answer ${method} synchronously`);
    if (answer.error) throw answer.error;
    return answer.result as T;
  }

  on(event: string, listener: (message: { params: never }) => void): void {
    this.session.on(event, listener);
  }

  off(event: string, listener: (message: { params: never }) => void): void {
    this.session.off(event, listener);
  }

  close(): void {
    this.session.disconnect();
  }
}

/** Runs `fn` with a fresh session, closed afterwards whatever happens. */
export function withSession<T>(fn: (session: SyncSession) => T): T {
  const session = new SyncSession();
  try {
    return fn(session);
  } finally {
    session.close();
  }
}

/** An inspector RemoteObject, the part we read. */
export interface RemoteObject {
  type: string;
  subtype?: string;
  objectId?: string;
  value?: unknown;
  description?: string;
}
