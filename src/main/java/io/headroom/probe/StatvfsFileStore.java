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

  StatvfsFileStore(Path path) {
    this.path = path;
  }

  @Override
  public FileStoreUsage read() throws IOException {
    LibC.Statvfs s = new LibC.Statvfs();
    if (LibC.INSTANCE.statvfs(path.toString(), s) != 0) {
      throw new IOException("statvfs(" + path + ") failed, errno " + Native.getLastError());
    }
    long fragment = s.f_frsize.longValue(); // block counts are in fragments, per statvfs(3)
    return new FileStoreUsage(
        Files.getFileStore(path).toString(),
        s.f_bavail.longValue() * fragment,
        s.f_blocks.longValue() * fragment,
        s.f_favail.longValue(),
        s.f_files.longValue());
  }
}
