/* Generated from src/format/schema.ts by `npm run gen:tags`: do not edit. */
#ifndef LH_TAGS_H
#define LH_TAGS_H

/* The .lhp record tags, each with its fields in payload order (docs/FORMAT.md):
 * t a zigzag time difference, str a string id, every other field a varint. */
enum lh_tag {
  TAG_STRING       = 0x01, /* id, *bytes* */
  TAG_FRAME        = 0x02, /* id, address, function: str, file: str, line, module: str */
  TAG_STACK        = 0x03, /* id, count, frame × count */
  TAG_ALLOC        = 0x04, /* t, address, size, stack, thread, [weight] */
  TAG_FREE         = 0x05, /* t, address */
  TAG_REALLOC      = 0x06, /* t, oldAddress, newAddress, size, stack, thread */
  TAG_SAMPLE       = 0x07, /* t, series: str, value */
  TAG_MARK         = 0x08, /* t, label: str */
  TAG_THREAD       = 0x09, /* tid, name: str */
  TAG_PROCESS      = 0x0A, /* pid, ppid, command: str */
  TAG_MODULE       = 0x0B, /* start, end, path: str */
  TAG_END          = 0x0C, /* t */
  TAG_SYMBOL       = 0x0D, /* frame, module: str, count, (function: str, file: str, line) × count */
  TAG_CONTEXT      = 0x0E, /* id, thread */
  TAG_INFO         = 0x0F, /* id, size, stack, [weight] */
  TAG_TICK         = 0x10, /* t */
  TAG_SHORTALLOC   = 0x11, /* delta, info */
  TAG_SHORTFREE    = 0x12, /* delta */
  TAG_SHORTREALLOC = 0x13, /* oldDelta, newDelta, info */
  TAG_REPEAT       = 0x14, /* period, count */
};

#endif
