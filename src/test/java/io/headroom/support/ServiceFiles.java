package io.headroom.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Set;

/** Files and directories that servers running as their own users (postfix, postgres) must reach. */
public final class ServiceFiles {
  private ServiceFiles() {}

  /**
   * Opens every ancestor of {@code dir} for traversal: a mode-700 ancestor makes postfix start fail
   * without a word, and initdb as postgres fail. Directories inside the system temp directory (a
   * {@code @TempDir} with the server in a subdirectory) are opened; anything else is left alone and
   * reported.
   */
  public static void makeTraversable(Path dir) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
    for (Path p = dir.toRealPath(); p != null; p = p.getParent()) {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
      if (permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        continue;
      }
      if (!p.startsWith(tmp) || p.equals(tmp)) {
        throw new IllegalStateException(p + " is not traversable by other users");
      }
      permissions.add(PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(p, permissions);
    }
  }

  /**
   * Writes a Postfix table definition as an admin should: mode 0640, group postfix, so smtpd (and a
   * daemon in group postfix) read it and nobody else reads its password.
   */
  public static Path writePostfixTable(Path file, String definition) throws IOException {
    Files.writeString(file, definition);
    UserPrincipalLookupService users = file.getFileSystem().getUserPrincipalLookupService();
    GroupPrincipal postfix = users.lookupPrincipalByGroupName("postfix");
    Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(postfix);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    makeTraversable(file.getParent());
    return file;
  }

  /** {@code dir}, created, mode 755 and owned by {@code user}. */
  public static Path ownedDirectory(Path dir, String user) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setOwner(
        dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user));
    makeTraversable(dir);
    return dir;
  }
}
