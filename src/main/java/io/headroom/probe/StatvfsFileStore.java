package io.headroom.probe;

import com.sun.jna.Native;
import com.sun.jna.platform.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file system holding one path, read with statvfs(3) through the JNA binding OSHI itself uses,
 * on Linux. Preferred there over OSHI's file store list for two reasons: OSHI runs {@code lsblk} (a
 * fork and exec) on every refresh, too much every two seconds; and it leaves out mounts it counts
 * as pseudo (/run, /dev/shm, squashfs, fuse), so a path on one would be measured on the file system
 * below. statvfs asks the kernel about the path itself.
 */
final class StatvfsFileStore implements FileStoreSource {
  private final Path path;
  // Reused: a new Structure allocates native memory and sets up its fields again on every read.
  private final LibC.Statvfs buffer = new LibC.Statvfs();
  private long mountFsid;
  private String mount;

  StatvfsFileStore(Path path) {
    this.path = path;
  }

  @Override
  public synchronized FileStoreUsage read() throws IOException {
    if (LibC.INSTANCE.statvfs(path.toString(), buffer) != 0) {
      throw new IOException("statvfs(" + path + ") failed, errno " + Native.getLastError());
    }
    long fragment = buffer.f_frsize.longValue(); // block counts are in fragments, per statvfs(3)
    return new FileStoreUsage(
        mount(buffer.f_fsid.longValue()),
        buffer.f_bavail.longValue() * fragment,
        buffer.f_blocks.longValue() * fragment,
        buffer.f_favail.longValue(),
        buffer.f_files.longValue());
  }

  /**
   * The mount's name, for the log. Finding it reads and stats the whole mount table, so it is
   * looked up again only when the file system under the path changes.
   */
  private String mount(long fsid) throws IOException {
    if (mount == null || fsid != mountFsid) {
      mount = Files.getFileStore(path).toString();
      mountFsid = fsid;
    }
    return mount;
  }
}
