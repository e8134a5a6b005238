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
 * Static, no library beyond libc: it must run in any image, whatever its own libc.
 */
#define _GNU_SOURCE
#include <errno.h>
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

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--release") == 0) return tell_init(SIGUSR1);
  if (argc == 2 && strcmp(argv[1], "--hold") == 0) return tell_init(SIGUSR2);
  if (argc < 3 || strcmp(argv[1], "--") != 0) {
    fputs("usage: dw-init -- command [args...] | dw-init --release | dw-init --hold\n", stderr);
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
