package io.headroom.probe;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.platform.linux.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file system holding one path, read with statvfs(3) through JNA, on Linux. Preferred there
 * over OSHI's file store list for two reasons: OSHI runs {@code lsblk} (a fork and exec) on every
 * refresh, too much every two seconds; and it leaves out mounts it counts as pseudo (/run,
 * /dev/shm, squashfs, fuse), so a path on one would be measured on the file system below. statvfs
 * asks the kernel about the path itself.
 *
 * <p>Called the cheap way, since it runs every round: statvfs is bound by JNA's direct mapping
 * rather than through OSHI's library interface (a proxy and reflective dispatch per call), and the
 * five fields read are taken from the structure's memory at their offsets, not by JNA reading every
 * field of the structure reflectively. While a daemon is young, the JIT compiling that machinery a
 * little at a time was a good part of its idle CPU.
 */
final class StatvfsFileStore implements FileStoreSource {
  private static native int statvfs(String path, Pointer buf);

  /** glibc's struct statvfs, as jna-platform lays it out for this platform; only its offsets. */
  private static final class Layout extends LibC.Statvfs {
    long offset(String field) {
      return fieldOffset(field);
    }
  }

  private static final long FRSIZE;
  private static final long BLOCKS;
  private static final long BAVAIL;
  private static final long FILES;
  private static final long FAVAIL;
  private static final long FSID;
  private static final int SIZE;

  static {
    Native.register(StatvfsFileStore.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    Layout layout = new Layout();
    FRSIZE = layout.offset("f_frsize");
    BLOCKS = layout.offset("f_blocks");
    BAVAIL = layout.offset("f_bavail");
    FILES = layout.offset("f_files");
    FAVAIL = layout.offset("f_favail");
    FSID = layout.offset("f_fsid");
    SIZE = layout.size();
  }

  private final Path path;
  // Reused: one allocation of native memory for the daemon's life.
  private final Memory buffer = new Memory(SIZE);
  private long mountFsid;
  private String mount;

  StatvfsFileStore(Path path) {
    this.path = path;
  }

  @Override
  public synchronized FileStoreUsage read() throws IOException {
    if (statvfs(path.toString(), buffer) != 0) {
      throw new IOException("statvfs(" + path + ") failed, errno " + Native.getLastError());
    }
    long fragment = field(FRSIZE); // block counts are in fragments, per statvfs(3)
    return new FileStoreUsage(
        mount(field(FSID)),
        field(BAVAIL) * fragment,
        field(BLOCKS) * fragment,
        field(FAVAIL),
        field(FILES));
  }

  private long field(long offset) {
    return buffer.getNativeLong(offset).longValue();
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
