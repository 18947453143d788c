/* recvtty: the other end of a runtime's --console-socket, for the tests.
 *
 *   recvtty [-t SECONDS] SOCKET [INPUT]
 *
 * Listens on the unix socket SOCKET, accepts one connection, receives the pty
 * master through SCM_RIGHTS, writes INPUT to it if given, then copies what the
 * master reads to stdout until EOF or EIO (EIO: every slave fd is closed, the
 * container's terminal is gone).  The socket is bound under a temporary name
 * and renamed to SOCKET once listening, so a test that waits for SOCKET to
 * exist never races a connect() against listen().  The whole run is bounded by
 * -t (default 30 s): exit 124 when it expires, like timeout(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what) {
  fprintf(stderr, "recvtty: %s: %s\n", what, strerror(errno));
  return 1;
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "recvtty: timed out\n";
  if (write(2, msg, sizeof msg - 1) < 0) {
  }
  _exit(124);
}

static int receive_fd(int conn) {
  char name[4096];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name - 1};
  union {
    struct cmsghdr h;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  ssize_t n;
  do n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int))) {
      int fd;
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
      return fd;
    }
  }
  errno = EBADMSG;
  return -1;
}

int main(int argc, char **argv) {
  int timeout = 30, i = 1;
  if (argc > 2 && strcmp(argv[1], "-t") == 0) {
    timeout = atoi(argv[2]);
    i = 3;
  }
  if (argc - i < 1 || argc - i > 2) {
    fprintf(stderr, "usage: recvtty [-t SECONDS] SOCKET [INPUT]\n");
    return 2;
  }
  const char *path = argv[i];
  const char *input = argc - i == 2 ? argv[i + 1] : NULL;

  signal(SIGALRM, on_alarm);
  alarm((unsigned)timeout);

  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  char tmp[sizeof addr.sun_path];
  if (snprintf(tmp, sizeof tmp, "%s.%d", path, getpid()) >= (int)sizeof tmp) {
    errno = ENAMETOOLONG;
    return die("socket path");
  }
  memcpy(addr.sun_path, tmp, sizeof tmp);
  int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return die("socket");
  if (bind(sock, (struct sockaddr *)&addr, sizeof addr) < 0) return die("bind");
  if (listen(sock, 1) < 0) return die("listen");
  if (rename(tmp, path) < 0) return die("rename");

  int conn;
  do conn = accept4(sock, NULL, NULL, SOCK_CLOEXEC);
  while (conn < 0 && errno == EINTR);
  if (conn < 0) return die("accept");
  close(sock);
  unlink(path);

  int master = receive_fd(conn);
  if (master < 0) return die("receive pty master");
  close(conn);

  if (input && write(master, input, strlen(input)) < 0) return die("write to pty");

  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno == EIO)) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return die("read pty");
    }
    if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) return die("write stdout");
    fflush(stdout);
  }
  return 0;
}
