package io.headroom.bench;

import io.headroom.support.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What Linux's /proc says about a process and the machine. */
final class ProcFs {
  private final long ticksPerSecond;

  private ProcFs(long ticksPerSecond) {
    this.ticksPerSecond = ticksPerSecond;
  }

  static ProcFs open() throws IOException, InterruptedException {
    String hz = Processes.output(List.of("getconf", "CLK_TCK"), Duration.ofSeconds(10)).strip();
    return new ProcFs(Long.parseLong(hz));
  }

  /** Resident set size in MiB, from VmRSS in /proc/PID/status. */
  double rssMib(long pid) {
    for (String line : read(Path.of("/proc", Long.toString(pid), "status")).split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new IllegalStateException("no VmRSS for process " + pid);
  }

  /** User plus system CPU seconds the process has used, from /proc/PID/stat. */
  double cpuSeconds(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    // The command name in parentheses may hold spaces; the fields after it are fixed.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long utime = Long.parseLong(fields[11]);
    long stime = Long.parseLong(fields[12]);
    return (double) (utime + stime) / ticksPerSecond;
  }

  static String loadAverage() {
    return read(Path.of("/proc/loadavg")).split(" ", 4)[0];
  }

  static String cpuModel() {
    for (String line : read(Path.of("/proc/cpuinfo")).split("\n")) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).strip();
      }
    }
    return "unknown";
  }

  static String kernel() {
    return read(Path.of("/proc/sys/kernel/osrelease")).strip();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
