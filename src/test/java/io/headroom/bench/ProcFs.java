package io.headroom.bench;

import io.headroom.support.CProgram;
import io.headroom.support.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What Linux's /proc says about a process and the machine, and the processes' CPU time from their
 * CPU-time clocks (src/test/c/cpu_clock.c): /proc's clock ticks are too coarse for a run's CPU.
 */
final class ProcFs {
  private static final Path CPU_CLOCK = Path.of("src/test/c/cpu_clock.c");

  // Indexes into the fields after "(comm)" of /proc/PID/stat, see proc(5): state is 0.
  private static final int PPID = 1;
  private static final int CUTIME = 13;
  private static final int CSTIME = 14;

  private final long ticksPerSecond;
  private final Path cpuClock;

  private ProcFs(long ticksPerSecond, Path cpuClock) {
    this.ticksPerSecond = ticksPerSecond;
    this.cpuClock = cpuClock;
  }

  /** Compiles the CPU-clock reader into {@code dir}. */
  static ProcFs open(Path dir) throws IOException, InterruptedException {
    String hz = Processes.output(List.of("getconf", "CLK_TCK"), Duration.ofSeconds(10)).strip();
    return new ProcFs(
        Long.parseLong(hz), CProgram.compile(CPU_CLOCK, dir.resolve("cpu-clock"), "gcc"));
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

  /** CPU seconds the process has used (all its threads, also those that have exited). */
  double cpuSeconds(long pid) {
    List<Long> nanos = cpuNanos(List.of(pid));
    if (nanos.isEmpty()) {
      throw new IllegalStateException("process " + pid + " has exited");
    }
    return nanos.get(0) / 1e9;
  }

  /**
   * CPU seconds of a Postfix instance's processes named in {@code names} (smtpd, cleanup): those
   * alive now, plus everything its master has reaped (cutime + cstime), so a child that exits
   * between two readings is still counted. The benchmark's instances keep their children for the
   * whole run (max_use, max_idle), which keeps the reaped part at zero; the master's own CPU (it
   * hands out connections) is not included.
   */
  double childrenCpuSeconds(long masterPid, Set<String> names) {
    String[] master = statFields(masterPid);
    long reapedTicks = Long.parseLong(master[CUTIME]) + Long.parseLong(master[CSTIME]);
    List<Long> children = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path entry : entries) {
        String stat = readIfPresent(entry.resolve("stat"));
        if (stat == null) {
          continue; // exited meanwhile: its CPU is in the master's cutime once reaped
        }
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        String[] f = fields(stat);
        if (names.contains(comm) && Long.parseLong(f[PPID]) == masterPid) {
          children.add(Long.parseLong(entry.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long liveNanos = cpuNanos(children).stream().mapToLong(Long::longValue).sum();
    return (double) reapedTicks / ticksPerSecond + liveNanos / 1e9;
  }

  /**
   * The CPU nanoseconds of those of {@code pids} still there when read; the others are left out.
   */
  private List<Long> cpuNanos(List<Long> pids) {
    if (pids.isEmpty()) {
      return List.of();
    }
    List<String> command = new ArrayList<>(List.of(cpuClock.toString()));
    pids.forEach(pid -> command.add(Long.toString(pid)));
    try {
      return Processes.output(command, Duration.ofSeconds(10))
          .lines()
          .map(String::strip)
          .filter(line -> !line.equals("gone"))
          .map(Long::parseLong)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading CPU clocks", e);
    }
  }

  private static String[] statFields(long pid) {
    return fields(read(Path.of("/proc", Long.toString(pid), "stat")));
  }

  /** The fields after the command name, which sits in parentheses and may hold spaces. */
  private static String[] fields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  private static String readIfPresent(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1);
    } catch (IOException e) {
      // Gone (or ESRCH) when the process exited between listing and reading.
      return null;
    }
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
