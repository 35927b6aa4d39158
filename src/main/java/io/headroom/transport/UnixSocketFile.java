package io.headroom.transport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of a unix listen socket, e.g. under Postfix's chroot /var/spool/postfix. A daemon that
 * crashed leaves it behind and bind(2) then fails with "Address already in use": a socket file
 * nobody answers on is removed before binding; one that answers belongs to a running daemon and is
 * left alone. The socket is bound in a private directory (mode 0700) next to its path, given
 * listen_socket_mode and listen_socket_group there, and only then renamed into place: nobody can
 * connect while it still has the process's default permissions. Postfix's smtpd (user postfix)
 * connects at the path; at exit the socket is removed.
 */
final class UnixSocketFile {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketFile.class);
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private static final String BOUND_NAME = "socket";

  private final Path path;
  private final int mode;
  private final String group;

  /**
   * The private directory the socket is bound in until {@link #publish()}; null before and after.
   */
  private Path staging;

  UnixSocketFile(Path path, int mode, String group) {
    this.path = path;
    this.mode = mode;
    this.group = group;
  }

  Path path() {
    return path;
  }

  /** Removes a socket file left by a daemon that did not exit cleanly. */
  void clearStale() {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!isSocket()) {
      throw new IllegalStateException(path + " exists and is not a socket; not replacing it");
    }
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.connect(UnixDomainSocketAddress.of(path));
      throw new IllegalStateException("another process listens on " + path);
    } catch (ConnectException e) {
      try {
        Files.delete(path);
        log.info("removed stale socket {}: no process answered on it", path);
      } catch (IOException d) {
        throw new UncheckedIOException("cannot remove stale socket " + path, d);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot probe existing socket " + path, e);
    }
  }

  /** Where to bind: a fresh directory only this process can enter, beside the final path. */
  Path bindPath() {
    try {
      staging =
          Files.createTempDirectory(
              path.toAbsolutePath().getParent(),
              "." + path.getFileName() + ".",
              PosixFilePermissions.asFileAttribute(permissions(0700)));
      return staging.resolve(BOUND_NAME);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create a private directory beside " + path + ": " + e.getMessage(), e);
    }
  }

  /** Gives the bound socket its mode and group, then moves it to its path. */
  void publish() {
    Path bound = staging.resolve(BOUND_NAME);
    applyOwnership(bound);
    try {
      Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot move the bound socket to " + path + ": " + e.getMessage(), e);
    } finally {
      removeStaging();
    }
  }

  private void applyOwnership(Path socket) {
    try {
      PosixFileAttributeView view =
          Files.getFileAttributeView(socket, PosixFileAttributeView.class);
      if (!group.isEmpty()) {
        GroupPrincipal g =
            path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        view.setGroup(g);
      }
      view.setPermissions(permissions(mode));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot set mode "
              + Integer.toOctalString(mode)
              + (group.isEmpty() ? "" : " and group " + group)
              + " on "
              + path
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Removes the socket file at exit, if it is still a socket (never a file someone put there
   * since).
   */
  void remove() {
    removeStaging();
    try {
      if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && isSocket()) {
        Files.delete(path);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot remove socket {}: {}", path, e.getMessage());
    }
  }

  private void removeStaging() {
    if (staging == null) {
      return;
    }
    try {
      Files.deleteIfExists(staging.resolve(BOUND_NAME));
      Files.deleteIfExists(staging);
      staging = null;
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", staging, e.getMessage());
    }
  }

  private boolean isSocket() {
    try {
      int m = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      return (m & S_IFMT) == S_IFSOCK;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
    for (int i = 0; i < 9; i++) {
      if ((mode & (1 << (8 - i))) != 0) {
        out.add(bits[i]);
      }
    }
    return out;
  }
}
