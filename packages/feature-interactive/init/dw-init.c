/*
 * dw-init: process 1 of an interactive task's container.
 *
 * `dw-init -- <command...>` runs the task's command as its child and keeps the container
 * (and so every shell session into it) alive after the command has exited, until the worker
 * releases it; then it exits with the command's exit status, so the task's result is the
 * command's. While it waits it reaps orphaned processes and passes signals on to the command.
 *
 * `dw-init --release` / `dw-init --hold`, run by the worker with `docker exec`, tell process 1
 * to exit as soon as the command has exited (now, if it has) / to keep waiting again. They are
 * signals (SIGUSR1, SIGUSR2) sent from inside the container, so the engine records no kill.
 *
 * `dw-init --list-displays` prints the container's X displays, one a line (`:0`), from the
 * sockets X servers make in /tmp/.X11-unix (`X0`): the display page lists them, in any image.
 *
 * `dw-init --inetd -- <command...>` runs an inetd-style server (x11vnc -inetd) whose stdin and
 * stdout must be one socket: it gives the command one end of a socket pair as both, and copies
 * bytes between the other end and its own stdin/stdout (the worker's exec). Exits with the
 * command's status; 127 when the command is not in the image.
 *
 * Static, no library beyond libc: it must run in any image, whatever its own libc.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void ignore(int sig) { (void)sig; }

static int tell_init(int sig) {
  if (kill(1, sig) != 0) {
    fprintf(stderr, "dw-init: cannot signal process 1: %s\n", strerror(errno));
    return 1;
  }
  return 0;
}

static int list_displays(void) {
  DIR *dir = opendir("/tmp/.X11-unix");
  if (!dir) return 0; /* no X server has started: no displays */
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    const char *name = entry->d_name;
    if (name[0] != 'X' || name[1] == '\0') continue;
    const char *p = name + 1;
    while (isdigit((unsigned char)*p)) p++;
    if (*p == '\0') printf(":%s\n", name + 1);
  }
  closedir(dir);
  return 0;
}

static int write_all(int fd, const char *buf, ssize_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, (size_t)n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    buf += w;
    n -= w;
  }
  return 0;
}

static int inetd_bridge(char **command) {
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
    fprintf(stderr, "dw-init: cannot make a socket pair: %s\n", strerror(errno));
    return 126;
  }
  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "dw-init: cannot fork: %s\n", strerror(errno));
    return 126;
  }
  if (child == 0) {
    dup2(pair[1], 0);
    dup2(pair[1], 1);
    close(pair[0]);
    close(pair[1]);
    execvp(command[0], command);
    fprintf(stderr, "dw-init: cannot run %s: %s\n", command[0], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  close(pair[1]);
  signal(SIGPIPE, SIG_IGN);
  static char buf[65536];
  int stdin_open = 1;
  for (;;) {
    struct pollfd fds[2] = {{.fd = pair[0], .events = POLLIN}, {.fd = 0, .events = stdin_open ? POLLIN : 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents) {
      ssize_t n = read(pair[0], buf, sizeof buf);
      if (n <= 0 || write_all(1, buf, n) != 0) break;
    }
    if (stdin_open && fds[1].revents) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0) {
        /* The client is gone: the command reads end of file, and ends. */
        stdin_open = 0;
        shutdown(pair[0], SHUT_WR);
      } else if (write_all(pair[0], buf, n) != 0) {
        break;
      }
    }
  }
  close(pair[0]);
  int status = 0;
  /* Its socket is closed: it ends on its own; one that does not within 2 s is killed. */
  for (int i = 0; i < 20 && waitpid(child, &status, WNOHANG) == 0; i++) usleep(100000);
  if (waitpid(child, &status, WNOHANG) == 0) {
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "--inetd") == 0 && strcmp(argv[2], "--") == 0) return inetd_bridge(argv + 3);
  if (argc == 2 && strcmp(argv[1], "--list-displays") == 0) return list_displays();
  if (argc == 2 && strcmp(argv[1], "--release") == 0) return tell_init(SIGUSR1);
  if (argc == 2 && strcmp(argv[1], "--hold") == 0) return tell_init(SIGUSR2);
  if (argc < 3 || strcmp(argv[1], "--") != 0) {
    fputs("usage: dw-init -- command [args...] | dw-init --release | dw-init --hold | dw-init --list-displays | dw-init --inetd -- command [args...]\n", stderr);
    return 2;
  }

  /* Every signal is blocked and taken with sigwaitinfo; a handler (not SIG_DFL) so the kernel
   * delivers signals to process 1 at all. */
  sigset_t all, original;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &original);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = ignore;
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &action, NULL);
  }

  pid_t child = fork();
  if (child < 0) {
    fprintf(stderr, "dw-init: cannot fork: %s\n", strerror(errno));
    return 126;
  }
  if (child == 0) {
    action.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
      if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &action, NULL);
    }
    sigprocmask(SIG_SETMASK, &original, NULL);
    execvp(argv[2], argv + 2);
    /* The codes a shell gives: 127 not found, 126 found but not runnable. */
    fprintf(stderr, "dw-init: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }

  int exited = 0, released = 0, code = 0;
  for (;;) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      if (pid == child) {
        exited = 1;
        code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
    }
    if (exited && released) return code;
    int sig = sigwaitinfo(&all, NULL);
    if (sig < 0) continue;
    if (sig == SIGUSR1) released = 1;
    else if (sig == SIGUSR2) released = 0;
    else if (sig != SIGCHLD && !exited) kill(child, sig);
  }
}
