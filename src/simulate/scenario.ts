import { FrameInfo } from '../format/writer';

/** The patterns the simulation plays, each from its own call site, and the verdict each deserves. */
export type PatternName = 'linear' | 'lru-cache' | 'rare' | 'freed-at-exit' | 'realloc-growth' | 'pool' | 'churn';

export interface Pattern {
  name: PatternName;
  /** The function that allocates: the culprit a diagnosis must name. */
  culprit: string;
  expected: 'leak' | 'leak-freed-at-exit' | 'bounded' | 'temporary';
  /** Frames innermost first, below the allocator frame and above the thread's own frames. */
  frames: FrameInfo[];
  allocator: 'malloc' | 'calloc' | 'realloc' | '_Znwm';
}

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const APP = '/usr/local/bin/demo-server';
const f = (fn: string, file: string, line: number): FrameInfo => ({ function: fn, file, line, module: APP });

const dispatch = f('dispatch_request', 'src/server.c', 131);
const xmalloc = f('xmalloc', 'src/util/xmalloc.c', 14);

export const PATTERNS: Pattern[] = [
  {
    name: 'linear',
    culprit: 'session_new',
    expected: 'leak',
    allocator: 'malloc',
    frames: [xmalloc, f('session_new', 'src/session.c', 57), f('handle_login', 'src/handlers/login.c', 88), dispatch],
  },
  {
    name: 'lru-cache',
    culprit: 'cache_insert',
    expected: 'bounded',
    allocator: 'malloc',
    frames: [
      xmalloc,
      f('cache_insert', 'src/cache/lru.c', 102),
      f('lookup_user', 'src/handlers/users.c', 47),
      dispatch,
    ],
  },
  {
    name: 'rare',
    culprit: 'request_context_new',
    expected: 'leak',
    allocator: 'malloc',
    frames: [f('request_context_new', 'src/request.c', 23), f('parse_request', 'src/http/parse.c', 310), dispatch],
  },
  {
    name: 'freed-at-exit',
    culprit: 'connection_remember',
    expected: 'leak-freed-at-exit',
    allocator: 'malloc',
    frames: [xmalloc, f('connection_remember', 'src/conn/registry.c', 64), f('accept_connection', 'src/server.c', 77)],
  },
  {
    name: 'realloc-growth',
    culprit: 'log_append',
    expected: 'leak',
    allocator: 'realloc',
    frames: [f('log_append', 'src/log/buffer.c', 45), f('audit_event', 'src/audit.c', 19), dispatch],
  },
  {
    name: 'pool',
    culprit: 'pool_grow',
    expected: 'bounded',
    allocator: 'malloc',
    frames: [
      xmalloc,
      f('pool_grow', 'src/pool.c', 71),
      f('pool_acquire', 'src/pool.c', 40),
      f('render_page', 'src/render.c', 150),
      dispatch,
    ],
  },
  {
    name: 'churn',
    culprit: 'format_header',
    expected: 'temporary',
    allocator: 'malloc',
    frames: [f('format_header', 'src/http/response.c', 201), f('send_response', 'src/http/response.c', 240), dispatch],
  },
];

/** More temporary call sites, so the churn is not one stack. */
export const CHURN_EXTRA: { allocator: Pattern['allocator']; frames: FrameInfo[] }[] = [
  {
    allocator: 'calloc',
    frames: [f('json_encode', 'src/json.c', 88), f('send_response', 'src/http/response.c', 236), dispatch],
  },
  {
    allocator: '_Znwm',
    frames: [
      f('Token::clone', 'src/lexer.cc', 55),
      f('tokenize', 'src/lexer.cc', 120),
      f('parse_request', 'src/http/parse.c', 290),
      dispatch,
    ],
  },
];

export const ALLOCATOR_FRAMES: Record<Pattern['allocator'], FrameInfo> = {
  malloc: { function: 'malloc', module: LIBC },
  calloc: { function: 'calloc', module: LIBC },
  realloc: { function: 'realloc', module: LIBC },
  _Znwm: { function: 'operator new', module: '/usr/lib/x86_64-linux-gnu/libstdc++.so.6' },
};

export const WORKER_OUTER: FrameInfo[] = [
  f('worker_main', 'src/worker.c', 40),
  { function: 'start_thread', module: LIBC },
  { function: 'clone3', module: LIBC },
];

export const MAIN_OUTER: FrameInfo[] = [
  f('event_loop', 'src/server.c', 60),
  f('main', 'src/main.c', 210),
  { function: '__libc_start_main', module: LIBC },
  { function: '_start', module: APP },
];
