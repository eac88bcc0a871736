/* A diagnostic preloaded into a process (LD_PRELOAD): it appends the size of every block that
 * glibc's malloc had mmapped, at the moment it is freed, to $MMAP_FREES_DIR/<pid>, one per line.
 * Such a free is what raises glibc's mmap threshold for the rest of the process (mallopt(3),
 * M_MMAP_THRESHOLD), so the list shows what a rank did to its allocator before MPI's per-call
 * temporaries came (test/allocator.test.ts; README "Reduce-scatter and the allocator").
 * glibc's chunk header, the word before the pointer, holds the chunk's size with IS_MMAPPED in
 * bit 1 (malloc/malloc.c). Nothing here allocates: it runs inside free. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void __libc_free(void* p);

static int out = -1;

static void record(size_t size) {
  if (out == -1) {
    const char* dir = getenv("MMAP_FREES_DIR");
    if (!dir || strlen(dir) > 200) {
      out = -2;
      return;
    }
    char path[256];
    char digits[24];
    int n = 0;
    for (pid_t pid = getpid(); pid > 0; pid /= 10) digits[n++] = (char)('0' + pid % 10);
    size_t len = strlen(dir);
    memcpy(path, dir, len);
    path[len++] = '/';
    while (n > 0) path[len++] = digits[--n];
    path[len] = '\0';
    out = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out < 0) out = -2;
  }
  if (out < 0) return;
  char line[24];
  int n = (int)sizeof line;
  line[--n] = '\n';
  do line[--n] = (char)('0' + size % 10);
  while ((size /= 10) > 0 && n > 0);
  (void)!write(out, line + n, sizeof line - (size_t)n);
}

void free(void* p) {
  if (p) {
    size_t head = ((size_t*)p)[-1];
    if (head & 2) record(head & ~(size_t)7);
  }
  __libc_free(p);
}
