package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatvfsFileStoreTest {
  @TempDir Path dir;

  @Test
  void readsTheFileSystemOfThePathItself() throws Exception {
    FileStoreUsage usage = new StatvfsFileStore(dir).read();

    FileStore nio = Files.getFileStore(dir);
    assertEquals(nio.getTotalSpace(), usage.totalBytes());
    assertEquals(nio.toString(), usage.mount());
    assertTrue(
        usage.usableBytes() > 0 && usage.usableBytes() <= usage.totalBytes(), usage.toString());
    assertTrue(usage.freeInodes() <= usage.totalInodes(), usage.toString());
    // The inode counts are read at their offsets in the structure: stat(1) reads the same call.
    Process stat = new ProcessBuilder("stat", "-f", "-c", "%c", dir.toString()).start();
    String totalInodes = new String(stat.getInputStream().readAllBytes()).strip();
    assertEquals(0, stat.waitFor());
    assertEquals(Long.parseLong(totalInodes), usage.totalInodes());
  }

  @Test
  void missingPathIsAnError() {
    IOException e =
        assertThrows(IOException.class, () -> new StatvfsFileStore(dir.resolve("gone")).read());

    assertEquals("statvfs(" + dir.resolve("gone") + ") failed, errno 2", e.getMessage());
  }
}
