package io.headroom.config;

import java.nio.file.Path;
import java.util.List;

/** The file systems that must keep headroom, and how much. */
public record DiskLimits(List<Path> paths, Threshold minFree, Threshold minFreeInodes) {
  public DiskLimits {
    paths = List.copyOf(paths);
  }
}
