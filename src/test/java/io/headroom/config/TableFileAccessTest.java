package io.headroom.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableFileAccessTest {
  @TempDir Path dir;

  @Test
  void aReadableDefinitionIsFine() throws Exception {
    Path file = Files.writeString(dir.resolve("ldap.cf"), "server_host = ldap://127.0.0.1\n");

    assertEquals(Optional.empty(), new TableFileAccess().problem(table(file)));
  }

  /** The tests run as root, which reads through any mode: the kernel's answer is given. */
  @Test
  void anUnreadableDefinitionSaysHowToFixIt() throws Exception {
    Path file = Files.writeString(dir.resolve("ldap.cf"), "bind_pw = secret\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    String owner = Files.getOwner(file).getName();
    String group =
        Files.readAttributes(file, java.nio.file.attribute.PosixFileAttributes.class)
            .group()
            .getName();

    Optional<String> problem = new TableFileAccess(p -> false).problem(table(file));

    assertEquals(
        Optional.of(
            "cannot read "
                + file
                + " ("
                + owner
                + ":"
                + group
                + " rw-------): make it group postfix"
                + " and mode 0640 (chgrp postfix "
                + file
                + "; chmod 0640 "
                + file
                + ") and give headroom-milter the"
                + " supplementary group postfix"),
        problem);
  }

  @Test
  void aMissingDefinitionIsNamed() {
    Path file = dir.resolve("missing.cf");

    assertEquals(
        Optional.of(file + " does not exist (or a directory on its path cannot be searched)"),
        new TableFileAccess().problem(table(file)));
  }

  @Test
  void aTableWithoutAFileHasNothingToRead() {
    assertEquals(
        Optional.empty(),
        new TableFileAccess(p -> false)
            .problem(new LookupTable("tcp", "127.0.0.1:2525", TableRole.LISTED)));
  }

  private static LookupTable table(Path file) {
    return new LookupTable("ldap", file.toString(), TableRole.RECIPIENT);
  }
}
