package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import io.headroom.config.QueueSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.util.PlatformEnum;

/**
 * Builds every probe a configuration enables, the scanner pings included, in check order: the one
 * place the daemon, {@code status} and a reload get their probes from. A new check adds its case
 * here (the switch must cover every {@link Check}).
 */
public final class ProbeFactory {
  /** A ping must answer well inside the probe deadline to be told apart from a hung probe. */
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);

  private ProbeFactory() {}

  /**
   * Every probe whose check is not {@code off}; the OSHI ones share one {@link SystemInfo}.
   *
   * @param backends what {@link LookupBackends#find} found for {@code config}: the caller's one
   *     search (one postconf run, when anything is auto) serves the probes and its warnings
   */
  public static List<Probe> fromConfig(Config config, LookupBackends backends) {
    SystemInfo system = new SystemInfo();
    List<Probe> probes = new ArrayList<>();
    for (Check check : Check.values()) {
      if (config.mode(check) != Mode.OFF) {
        probes.addAll(probes(check, config, system, backends));
      }
    }
    return List.copyOf(probes);
  }

  private static List<Probe> probes(
      Check check, Config config, SystemInfo system, LookupBackends backends) {
    return switch (check) {
      case DRAIN -> List.of(new DrainProbe(new DrainState(config.drain().file())));
      case DISK -> diskProbes(config, system);
      case MEMORY -> {
        GlobalMemory memory = system.getHardware().getMemory();
        yield List.of(
            new MemoryProbe(config.memoryMinAvailable(), memory::getAvailable, memory::getTotal));
      }
      case CPU -> {
        CentralProcessor cpu = system.getHardware().getProcessor();
        yield List.of(
            new CpuProbe(
                config.cpuMaxLoadPerCore(),
                () -> cpu.getSystemLoadAverage(1)[0],
                cpu::getLogicalProcessorCount));
      }
      case SPOOL -> List.of(new SpoolWriteProbe(config.spoolProbeDirectory()));
      case QUEUE -> queueProbes(config.queue());
      case DNS -> List.of(new DnsProbe(config.dns()));
      case DNS_RECURSION -> List.of(DnsProbe.recursion(config.dns(), config.recursion()));
      case SCAN -> ScannerPingProbe.perKind(config.scan().scanners(), pingTimeout(config));
      case LOOKUP -> backends.tableProbes();
      case POLICY -> backends.policyProbes();
    };
  }

  private static List<Probe> diskProbes(Config config, SystemInfo system) {
    List<Probe> probes = new ArrayList<>();
    for (Path path : config.disk().paths()) {
      probes.add(FileSystemProbe.space(path, config.disk().minFree(), fileStore(system, path)));
      probes.add(
          FileSystemProbe.inodes(path, config.disk().minFreeInodes(), fileStore(system, path)));
    }
    return probes;
  }

  /**
   * The count against the limit, and one level per queue for the gauge, all from one postqueue run.
   */
  private static List<Probe> queueProbes(QueueSettings settings) {
    return queueProbes(settings, PostqueueReader.of(settings.postfixConfig(), settings.timeout()));
  }

  /** As wired for {@code settings}, counting with {@code reader} (tests give a fake one). */
  static List<Probe> queueProbes(QueueSettings settings, QueueReader reader) {
    AtomicReference<QueueCounts> latest = new AtomicReference<>();
    Probe count =
        MinIntervalProbe.reusingMeasurements(
            new QueueProbe(reader, settings.timeout(), settings.maxMessages(), latest::set),
            settings.interval());
    List<Probe> probes = new ArrayList<>(List.of(count));
    for (QueueCounts.Queue queue : QueueCounts.Queue.values()) {
      probes.add(new QueueLevelProbe(queue, count, () -> Optional.ofNullable(latest.get())));
    }
    return probes;
  }

  private static Duration pingTimeout(Config config) {
    return config.probeTimeout().compareTo(PING_TIMEOUT) < 0 ? config.probeTimeout() : PING_TIMEOUT;
  }

  private static FileStoreSource fileStore(SystemInfo system, Path path) {
    if (PlatformEnum.getCurrentPlatform() == PlatformEnum.LINUX) {
      return new StatvfsFileStore(path);
    }
    return new OshiFileStore(system.getOperatingSystem().getFileSystem(), path);
  }
}
