package io.headroom.probe;

import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.Mode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.util.PlatformEnum;

/** Builds the probes a configuration enables, in check order. */
public final class ProbeFactory {
  private ProbeFactory() {}

  /** Every probe whose check is not {@code off}; the OSHI ones share one {@link SystemInfo}. */
  public static List<Probe> fromConfig(Config config) {
    SystemInfo system = new SystemInfo();
    List<Probe> probes = new ArrayList<>();
    if (config.mode(Check.DISK) != Mode.OFF) {
      for (Path path : config.disk().paths()) {
        probes.add(FileSystemProbe.space(path, config.disk().minFree(), fileStore(system, path)));
        probes.add(FileSystemProbe.inodes(path, config.disk().minFreeInodes(), fileStore(system, path)));
      }
    }
    if (config.mode(Check.MEMORY) != Mode.OFF) {
      GlobalMemory memory = system.getHardware().getMemory();
      probes.add(new MemoryProbe(config.memoryMinAvailable(), memory::getAvailable, memory::getTotal));
    }
    if (config.mode(Check.CPU) != Mode.OFF) {
      CentralProcessor cpu = system.getHardware().getProcessor();
      probes.add(
          new CpuProbe(
              config.cpuMaxLoadPerCore(),
              () -> cpu.getSystemLoadAverage(1)[0],
              cpu::getLogicalProcessorCount));
    }
    if (config.mode(Check.SPOOL) != Mode.OFF) {
      probes.add(new SpoolWriteProbe(config.spoolProbeDirectory()));
    }
    if (config.mode(Check.DNS) != Mode.OFF) {
      probes.add(new DnsProbe(config.dns()));
    }
    return List.copyOf(probes);
  }

  private static FileStoreSource fileStore(SystemInfo system, Path path) {
    if (PlatformEnum.getCurrentPlatform() == PlatformEnum.LINUX) {
      return new StatvfsFileStore(path);
    }
    return new OshiFileStore(system.getOperatingSystem().getFileSystem(), path);
  }
}
