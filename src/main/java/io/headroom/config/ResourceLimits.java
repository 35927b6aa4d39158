package io.headroom.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The local resources the gate watches: disk, memory, CPU and the spool's writability.
 *
 * @param cpuMaxLoadPerCore 1-minute load average per logical core above which mail is deferred
 * @param spoolProbeDirectory an existing directory where the write probe writes
 */
public record ResourceLimits(
    DiskLimits disk,
    Threshold memoryMinAvailable,
    double cpuMaxLoadPerCore,
    Path spoolProbeDirectory) {
  static final Path DEFAULT_SPOOL = Path.of("/var/spool/postfix");
  static final Path DEFAULT_SPOOL_PROBE_DIR = Path.of("/var/spool/postfix/headroom-milter");

  static ResourceLimits load(Settings s) {
    Path spool = Files.isDirectory(DEFAULT_SPOOL) ? DEFAULT_SPOOL : Path.of("/");
    List<Path> paths = s.list("disk_paths", spool.toString(), Values::existingDirectory);
    DiskLimits disk =
        new DiskLimits(
            paths.isEmpty() ? List.of(spool) : paths,
            s.value("disk_min_free", "5%", Units::parseThreshold),
            s.value("disk_min_free_inodes", "5%", Units::parseThreshold));
    Threshold memory = s.value("memory_min_available", "5%", Units::parseThreshold);
    double cpu = s.value("cpu_max_load_per_core", "4.0", Values.positiveDouble("1000"));
    Path probeDir =
        Files.isDirectory(DEFAULT_SPOOL_PROBE_DIR)
            ? DEFAULT_SPOOL_PROBE_DIR
            : Path.of(System.getProperty("java.io.tmpdir"));
    Path spoolDir =
        s.value(
            "spool_probe_directory",
            probeDir.toString(),
            v -> v.isEmpty() ? probeDir : Values.existingDirectory(v));
    return new ResourceLimits(disk, memory, cpu, spoolDir);
  }
}
