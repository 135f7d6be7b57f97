/*
 * The preloaded library's start and end, and its signal handlers: what drives the
 * recording (lh_record.h) besides the interposed functions of hooks.c.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "lh_record.h"

static void on_dump_signal(int sig) {
  (void)sig;
  lh_record_dump();
}

/* A crash: write out what is buffered, then die as before. */
static void on_crash(int sig) {
  lh_record_crash_flush();
  raise(sig); /* the default action now: a raised or sent signal would otherwise be lost */
}

/*
 * SIGINT, SIGTERM, SIGHUP in a program that does not handle them (Ctrl-C on a
 * server): the flusher ends the stream as at exit, then the program dies of the
 * signal as before. lh_record_end_from_signal (recorder.c) says which calls that
 * makes and why they are async-signal-safe.
 */
static void on_terminate(int sig) {
  lh_record_end_from_signal();
  raise(sig);
}

/* Handlers only where the program keeps the default action. */
static void install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_dump_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR2, &sa, NULL);
  static const struct {
    int sig;
    void (*handler)(int);
  } fatal[] = {{SIGSEGV, on_crash}, {SIGBUS, on_crash},       {SIGABRT, on_crash},     {SIGFPE, on_crash},
               {SIGILL, on_crash},  {SIGINT, on_terminate}, {SIGTERM, on_terminate}, {SIGHUP, on_terminate}};
  for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++) {
    struct sigaction old;
    if (sigaction(fatal[i].sig, NULL, &old) != 0 || old.sa_handler != SIG_DFL) continue; /* the program's own, or ignored */
    sa.sa_handler = fatal[i].handler;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER; /* a second signal while the stream ends kills at once */
    sigaction(fatal[i].sig, &sa, NULL);
  }
}

__attribute__((constructor)) static void start(void) {
  const char *out = getenv("LEAKHOUND_OUTPUT");
  if (!out || !*out) return;
  /*
   * SIGINT, SIGTERM or SIGHUP during start-up (the stream's header is already on
   * disk) waits until the handlers that end the stream are in place: unblocked below,
   * it then ends the stream cleanly instead of leaving it without its end record.
   */
  sigset_t ending, saved;
  sigemptyset(&ending);
  sigaddset(&ending, SIGINT);
  sigaddset(&ending, SIGTERM);
  sigaddset(&ending, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &ending, &saved);
  if (lh_record_init(out)) install_handlers();
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
}

__attribute__((destructor)) static void finish(void) { lh_record_finish(); }
