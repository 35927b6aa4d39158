package io.headroom.milter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file of a unix listen socket, e.g. under Postfix's chroot /var/spool/postfix. A daemon that
 * crashed leaves it behind and bind(2) then fails with "Address already in use": a socket file
 * nobody answers on is removed before binding; one that answers belongs to a running daemon and is
 * left alone. After binding it gets listen_socket_mode and listen_socket_group, so that Postfix's
 * smtpd (user postfix) can connect; at exit it is removed.
 */
final class UnixSocketFile {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketFile.class);
  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private final Path path;
  private final int mode;
  private final String group;

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

  /** Sets listen_socket_mode and listen_socket_group on the bound socket. */
  void applyOwnership() {
    try {
      PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
      if (!group.isEmpty()) {
        GroupPrincipal g = path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        view.setGroup(g);
      }
      view.setPermissions(permissions(mode));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot set mode " + Integer.toOctalString(mode)
          + (group.isEmpty() ? "" : " and group " + group) + " on " + path + ": " + e.getMessage(), e);
    }
  }

  /** Removes the socket file at exit, if it is still a socket (never a file someone put there since). */
  void remove() {
    try {
      if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && isSocket()) {
        Files.delete(path);
      }
    } catch (IOException | UncheckedIOException e) {
      log.warn("cannot remove socket {}: {}", path, e.getMessage());
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
