/*
 * The start of a stream: the fixed header (magic, version, header JSON) and the
 * process record, from what /proc says of the process.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "leakhound.h"
#include "lh_tags.h"

static char json[65536];
static size_t json_length;

static void json_raw(const char *s) {
  size_t n = strlen(s);
  if (json_length + n < sizeof json) {
    memcpy(json + json_length, s, n);
    json_length += n;
  }
}

static void json_string(const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  json_raw("\"");
  for (size_t i = 0; i < n && json_length + 8 < sizeof json; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      json[json_length++] = '\\';
      json[json_length++] = (char)c;
    } else if (c < 0x20) {
      char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
      json_raw(esc);
    } else {
      json[json_length++] = (char)c;
    }
  }
  json_raw("\"");
}

static void json_number(uint64_t v) {
  char digits[24];
  int i = sizeof digits;
  digits[--i] = 0;
  do digits[--i] = (char)('0' + v % 10); while ((v /= 10) && i > 0);
  json_raw(digits + i);
}

static char cmdline[32768];
static size_t cmdline_length;

void lh_read_cmdline(void) {
  int f = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  cmdline_length = 0;
  if (f < 0) return;
  ssize_t n;
  while (cmdline_length < sizeof cmdline - 1 &&
         (n = read(f, cmdline + cmdline_length, sizeof cmdline - 1 - cmdline_length)) > 0)
    cmdline_length += (size_t)n;
  close(f);
}

void lh_write_header(int follow) {
  struct timespec wall;
  struct tm utc;
  char when[40], host[256] = {0};
  clock_gettime(CLOCK_REALTIME, &wall);
  gmtime_r(&wall.tv_sec, &utc);
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &utc);
  snprintf(when + strlen(when), 16, ".%03dZ", (int)(wall.tv_nsec / 1000000) % 1000);
  gethostname(host, sizeof host - 1);

  json_length = 0;
  json_raw("{\"recorder\":\"native\",\"clock\":\"monotonic-ns\",\"startNs\":\"");
  json_number(lh_start_ns);
  json_raw("\",\"startWallTime\":");
  json_string(when, strlen(when));
  json_raw(",\"command\":[");
  for (size_t i = 0; i < cmdline_length;) {
    size_t n = strlen(cmdline + i);
    if (i) json_raw(",");
    json_string(cmdline + i, n);
    i += n + 1;
  }
  json_raw("],\"pid\":");
  json_number((uint64_t)getpid());
  json_raw(",\"host\":{\"hostname\":");
  json_string(host, strlen(host));
  json_raw(",\"platform\":\"linux\",\"arch\":");
#if defined(__x86_64__)
  json_raw("\"x64\"");
#elif defined(__aarch64__)
  json_raw("\"arm64\"");
#else
  json_raw("\"unknown\"");
#endif
  json_raw(",\"cpus\":");
  json_number((uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
  json_raw("},\"options\":{\"unwind\":");
  json_raw(lh_unwind_mode == LH_UNWIND_FP ? "\"fp\"" : lh_unwind_mode == LH_UNWIND_DWARF ? "\"dwarf\"" : "\"auto\"");
  json_raw(",\"follow\":");
  json_raw(follow ? "true" : "false");
  if (lh_sample_interval) {
    json_raw(",\"samplingInterval\":");
    json_number(lh_sample_interval);
  }
  json_raw("}}");

  /*
   * magic, format 1.3 (1.1 adds symbol records, which the launcher appends; 1.2 the
   * compact events; 1.3 repeats, and a sampled recording's weights in its info records)
   */
  static const uint8_t magic[12] = {0x89, 'L', 'H', 'P', '\r', '\n', 0x1a, '\n', 1, 0, 3, 0};
  memcpy(lh_buffer, magic, sizeof magic);
  uint32_t n = (uint32_t)json_length;
  uint8_t length[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
  memcpy(lh_buffer + 12, length, 4);
  memcpy(lh_buffer + 16, json, json_length);
  lh_buffered = 16 + json_length;
}

void lh_write_process(void) {
  char command[4096];
  size_t n = cmdline_length < sizeof command ? cmdline_length : sizeof command - 1;
  memcpy(command, cmdline, n);
  for (size_t i = 0; i + 1 < n; i++) if (!command[i]) command[i] = ' ';
  if (n && !command[n - 1]) n--;
  uint32_t command_id = lh_emit_string(command, n);
  uint8_t payload[32], *p = lh_put_varint(payload, (uint64_t)getpid());
  p = lh_put_varint(p, (uint64_t)getppid());
  p = lh_put_varint(p, command_id);
  lh_emit(TAG_PROCESS, payload, (size_t)(p - payload));
}

