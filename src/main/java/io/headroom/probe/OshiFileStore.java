package io.headroom.probe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import oshi.software.os.FileSystem;
import oshi.software.os.OSFileStore;

/**
 * The file system holding one path, read through OSHI: for platforms other than Linux (a
 * developer's laptop), where {@link StatvfsFileStore} does not apply. One instance per probe, so
 * two probes never refresh the same {@link OSFileStore} at once.
 */
final class OshiFileStore implements FileStoreSource {
  private final FileSystem fileSystem;
  private final Path path;
  private OSFileStore store;

  OshiFileStore(FileSystem fileSystem, Path path) {
    this.fileSystem = fileSystem;
    this.path = path;
  }

  @Override
  public synchronized FileStoreUsage read() throws IOException {
    // updateAttributes() is false once the mount is gone: look again, another may now cover the
    // path.
    if (store == null || !store.updateAttributes()) {
      store = covering(fileSystem.getFileStores(), resolved(path)).orElse(null);
    }
    if (store == null) {
      throw new IOException("no file system listed by OSHI covers " + path);
    }
    return new FileStoreUsage(
        store.getMount(),
        store.getUsableSpace(),
        store.getTotalSpace(),
        store.getFreeInodes(),
        store.getTotalInodes());
  }

  /**
   * The store whose mount point is the longest prefix of {@code path}, by whole path components. Of
   * two stores on the same mount point the later one wins: it was mounted over the first.
   */
  static Optional<OSFileStore> covering(List<OSFileStore> stores, Path path) {
    OSFileStore best = null;
    int bestDepth = -1;
    for (OSFileStore s : stores) {
      Path mount = Path.of(s.getMount());
      if (path.startsWith(mount) && mount.getNameCount() >= bestDepth) {
        best = s;
        bestDepth = mount.getNameCount();
      }
    }
    return Optional.ofNullable(best);
  }

  /** A symlinked spool is measured where its files are; a missing one where it would be created. */
  private static Path resolved(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path.toAbsolutePath().normalize();
    }
  }
}
