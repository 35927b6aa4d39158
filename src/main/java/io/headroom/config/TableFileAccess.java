package io.headroom.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether the daemon can read a table's definition file. One it cannot read is a misconfiguration,
 * not an outage: postmap would fail on every probe while the backend is fine. Definition files hold
 * bind passwords, so admins make them mode 0600 or 0640 root:postfix; the daemon needs the second
 * and the supplementary group postfix.
 */
public final class TableFileAccess {
  private final Predicate<Path> readable;

  /** Asks the kernel, as the daemon's own user and groups. */
  public TableFileAccess() {
    this(Files::isReadable);
  }

  /** Asks {@code readable}: a test gives a fixed answer. */
  public TableFileAccess(Predicate<Path> readable) {
    this.readable = readable;
  }

  /** What is wrong and how to fix it, empty when the file (or a table with no file) is fine. */
  public Optional<String> problem(LookupTable table) {
    return table.definitionFile().flatMap(this::problem);
  }

  private Optional<String> problem(Path file) {
    if (readable.test(file)) {
      return Optional.empty();
    }
    if (!Files.exists(file)) {
      return Optional.of(file + " does not exist (or a directory on its path cannot be searched)");
    }
    return Optional.of(
        "cannot read "
            + file
            + describe(file)
            + ": make it group postfix and mode 0640"
            + " (chgrp postfix "
            + file
            + "; chmod 0640 "
            + file
            + ")"
            + " and give headroom-milter the supplementary group postfix");
  }

  private static String describe(Path file) {
    try {
      PosixFileAttributes a =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return " ("
          + a.owner().getName()
          + ":"
          + a.group().getName()
          + " "
          + PosixFilePermissions.toString(a.permissions())
          + ")";
    } catch (IOException | UnsupportedOperationException e) {
      return "";
    }
  }
}
