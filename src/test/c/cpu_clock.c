/*
 * The CPU time processes have used, to the nanosecond, for the benchmark's CPU per message.
 * /proc/PID/stat gives user and system time in clock ticks (10 ms), truncated: over a run of a
 * few hundred milliseconds that alone is an error of several percent. A process's CPU-time clock
 * (clock_getcpuclockid) counts every thread of it, those that have exited too, in nanoseconds.
 *
 * Build: cc -O2 -o cpu-clock cpu_clock.c
 * Run:   cpu-clock PID...   prints one line per PID: nanoseconds, or "gone" if it has exited
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    clockid_t clock;
    struct timespec used;
    if (clock_getcpuclockid((pid_t) atol(argv[i]), &clock) != 0 ||
        clock_gettime(clock, &used) != 0) {
      puts("gone");
      continue;
    }
    printf("%lld\n", (long long) used.tv_sec * 1000000000LL + used.tv_nsec);
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
