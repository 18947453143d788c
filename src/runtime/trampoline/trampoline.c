/* The exec trampoline: the program berth's container processes execute
 * right before the user's own (CVE-2019-5736).
 *
 * berth's container init and exec children are clones of berth: until they
 * execve, /proc/self/exe is the host's berth binary.  When the user's
 * program is a script whose interpreter is /proc/self/exe (or a binfmt_misc
 * entry that resolves to it), the kernel resolves that link in the process
 * that calls execve, so the host binary would start inside the container,
 * dumpable, where any container process can open /proc/<pid>/exe and, once
 * berth exits, rewrite the host binary through it.  So berth first execs
 * this program from a sealed memfd (execveat, AT_EMPTY_PATH) and only this
 * program execs the user's: what /proc/self/exe can reach is then a
 * throw-away, write-sealed copy of a few hundred bytes that can do nothing
 * but exec again.
 *
 * Freestanding: no libc, no allocation, three syscalls.  berth embeds the
 * linked binary (meson.build) and sets it up in src/runtime/trampoline.cpp.
 *
 *   argv[0]  path of the program to run (already resolved by berth)
 *   argv[1..] the program's own argv
 *
 * When executed any other way (as an interpreter, argv has fewer than two
 * entries after one hop) it exits 127 instead of looping.
 */
#include <asm/unistd.h>
#include <linux/errno.h>

typedef unsigned long size_t;

static long sys3(long n, long a, long b, long c) {
#if defined(__x86_64__)
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
#elif defined(__aarch64__)
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
#else
#error "the exec trampoline supports x86_64 and aarch64"
#endif
}

static size_t len(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

static void put(const char* s) {
  sys3(__NR_write, 2, (long)s, (long)len(s));
}

static const char* reason(long err) {
  switch (err) {
    case ENOENT: return "no such file or directory";
    case EACCES: return "permission denied";
    case ENOEXEC: return "exec format error";
    case ENOTDIR: return "not a directory";
    case ELOOP: return "too many levels of symbolic links";
    case ETXTBSY: return "text file busy";
    case E2BIG: return "argument list too long";
    case ENOMEM: return "cannot allocate memory";
    case EPERM: return "operation not permitted";
    default: return "exec failed";
  }
}

__attribute__((noreturn, used)) void trampoline_main(long* sp) {
  long argc = sp[0];
  char** argv = (char**)(sp + 1);
  char** envp = argv + argc + 1;
  if (argc < 2) {
    put("berth: exec trampoline: nothing to execute\n");
    sys3(__NR_exit_group, 127, 0, 0);
  }
  long err = -sys3(__NR_execve, (long)argv[0], (long)(argv + 1), (long)envp);
  /* Same words and codes as berth's own exec failure: 127 when the program
   * is missing, 126 when it cannot run (shells and Podman rely on these). */
  put("berth: exec \"");
  put(argv[0]);
  put("\": ");
  put(reason(err));
  put("\n");
  sys3(__NR_exit_group, err == ENOENT ? 127 : 126, 0, 0);
  for (;;) {
  }
}

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n  xor %rbp, %rbp\n  mov %rsp, %rdi\n  and $-16, %rsp\n  call trampoline_main\n  hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n  mov x29, #0\n  mov x0, sp\n  bl trampoline_main\n");
#endif
