/*
 * The ELF modules loaded in the process: written as module records (what frame
 * addresses are symbolized against after the run), and checked once each for frame
 * pointers, so the unwinder knows where the fast walk can be trusted.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "leakhound.h"
#include "lh_tags.h"

int lh_unwind_mode = LH_UNWIND_AUTO;

#define MAX_MODULES 1024
struct module {
  uintptr_t start, end;
  int frame_pointers;
  int written;
  char path[512];
};
static struct module modules[MAX_MODULES];
static volatile int module_count;

/* Frame-pointer modules' ranges, read lock-free by every capture. */
#define MAX_FP_RANGES 64
static uintptr_t fp_start[MAX_FP_RANGES], fp_end[MAX_FP_RANGES];
static volatile int fp_count;

int lh_in_fp_module(uintptr_t address) {
  int n = __atomic_load_n(&fp_count, __ATOMIC_ACQUIRE);
  for (int i = 0; i < n; i++)
    if (address >= fp_start[i] && address < fp_end[i]) return 1;
  return 0;
}

int lh_fp_ranges(void) { return __atomic_load_n(&fp_count, __ATOMIC_ACQUIRE); }

/* The C runtime's start-up code linked into every executable, built as libc is. */
static int is_startup_code(const char *name) {
  static const char *const names[] = {"_start", "_init", "_fini", "deregister_tm_clones", "register_tm_clones",
                                      "__do_global_dtors_aux", "frame_dummy", "__libc_csu_init", "__libc_csu_fini"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (!strcmp(name, names[i])) return 1;
  return 0;
}

/*
 * Whether the module's functions set up a frame pointer: most function symbols
 * (.symtab, else .dynsym) start with `push %rbp; mov %rsp,%rbp`, after an
 * optional endbr64. Code built with -fomit-frame-pointer (gcc's -O default) and
 * glibc rarely do; code built with -fno-omit-frame-pointer always does.
 */
static int keeps_frame_pointers(const char *path, uintptr_t bias, uintptr_t low, uintptr_t high) {
#if defined(__x86_64__)
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) return 0;
  struct stat st;
  void *map = fstat(f, &st) == 0 && (size_t)st.st_size >= sizeof(Elf64_Ehdr)
                  ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, f, 0)
                  : MAP_FAILED;
  close(f);
  if (map == MAP_FAILED) return 0;
  const uint8_t *file = map;
  size_t size = (size_t)st.st_size;
  const Elf64_Ehdr *eh = map;
  int with = 0, total = 0;
  if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
      eh->e_shoff && eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <= size) {
    const Elf64_Shdr *sections = (const Elf64_Shdr *)(file + eh->e_shoff);
    const Elf64_Shdr *symtab = NULL;
    for (int i = 0; i < eh->e_shnum; i++)
      if (sections[i].sh_type == SHT_SYMTAB || (!symtab && sections[i].sh_type == SHT_DYNSYM)) symtab = &sections[i];
    const Elf64_Shdr *strtab = symtab && symtab->sh_link < eh->e_shnum ? &sections[symtab->sh_link] : NULL;
    if (symtab && strtab && symtab->sh_offset + symtab->sh_size <= size && strtab->sh_offset + strtab->sh_size <= size) {
      const Elf64_Sym *syms = (const Elf64_Sym *)(file + symtab->sh_offset);
      const char *names = (const char *)(file + strtab->sh_offset);
      size_t n = symtab->sh_size / sizeof(Elf64_Sym);
      for (size_t i = 0; i < n && total < 4000; i++) {
        if (ELF64_ST_TYPE(syms[i].st_info) != STT_FUNC || syms[i].st_shndx == SHN_UNDEF || syms[i].st_size < 16) continue;
        if (syms[i].st_name >= strtab->sh_size || is_startup_code(names + syms[i].st_name)) continue;
        uintptr_t at = bias + syms[i].st_value;
        if (at < low || at + 8 > high) continue; /* not in the mapped segments: not to be read */
        const uint8_t *code = (const uint8_t *)at;
        if (code[0] == 0xf3 && code[1] == 0x0f && code[2] == 0x1e && code[3] == 0xfa) code += 4;
        total++;
        if (code[0] == 0x55 && code[1] == 0x48 && code[2] == 0x89 && code[3] == 0xe5) with++;
      }
    }
  }
  munmap(map, size);
  return total > 0 && with * 10 >= total * 7;
#else
  (void)path;
  (void)bias;
  (void)low;
  (void)high;
  return 0;
#endif
}

static int seen(uintptr_t start) {
  for (int i = 0; i < module_count; i++)
    if (modules[i].start == start) return 1;
  return 0;
}

static int add_module(struct dl_phdr_info *info, size_t size, void *unused) {
  (void)size;
  (void)unused;
  uintptr_t low = UINTPTR_MAX, high = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t from = info->dlpi_addr + ph->p_vaddr, to = from + ph->p_memsz;
    if (from < low) low = from;
    if (to > high) high = to;
  }
  if (!high || seen(low) || module_count >= MAX_MODULES) return 0;
  struct module *m = &modules[module_count];
  const char *name = info->dlpi_name;
  if (name && *name) {
    if (name[0] != '/') return 0; /* linux-vdso.so.1: no file to read symbols from */
    strncpy(m->path, name, sizeof m->path - 1);
  } else {
    ssize_t n = readlink("/proc/self/exe", m->path, sizeof m->path - 1);
    if (n <= 0) return 0;
    m->path[n] = 0;
  }
  m->start = low & ~(uintptr_t)4095;
  m->end = high;
  m->written = 0;
  m->frame_pointers = keeps_frame_pointers(m->path, info->dlpi_addr, low, high);
  if (m->frame_pointers && fp_count < MAX_FP_RANGES) {
    fp_start[fp_count] = m->start;
    fp_end[fp_count] = m->end;
    __atomic_store_n(&fp_count, fp_count + 1, __ATOMIC_RELEASE);
  }
  __atomic_store_n(&module_count, module_count + 1, __ATOMIC_RELEASE);
  return 0;
}

void lh_modules_reset(void) {
  for (int i = 0; i < module_count; i++) modules[i].written = 0;
}

/* Called without the lock (dl_iterate_phdr takes the loader's), from one thread at a time. */
void lh_modules_scan(void) {
  dl_iterate_phdr(add_module, NULL);
  lh_lock();
  if (lh_recording()) {
    for (int i = 0; i < module_count; i++) {
      struct module *m = &modules[i];
      if (m->written) continue;
      uint32_t path = lh_emit_string(m->path, strlen(m->path));
      uint8_t payload[40], *p = lh_put_varint(payload, m->start);
      p = lh_put_varint(p, m->end);
      p = lh_put_varint(p, path);
      lh_emit(TAG_MODULE, payload, (size_t)(p - payload));
      m->written = 1;
    }
  }
  lh_unlock();
}

/* Each module: start, end (8 bytes each), path length (4), path. */
void lh_modules_write(int fd) {
  uint32_t n = (uint32_t)module_count;
  if (write(fd, &n, 4) != 4) return;
  for (uint32_t i = 0; i < n; i++) {
    struct module *m = &modules[i];
    uint64_t range[2] = {m->start, m->end};
    uint32_t length = (uint32_t)strlen(m->path);
    if (write(fd, range, 16) != 16 || write(fd, &length, 4) != 4 || write(fd, m->path, length) != (ssize_t)length) return;
  }
}
