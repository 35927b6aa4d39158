package io.headroom.scan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {

  @TempDir Path dir;

  private static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  private static byte[] copy(Spool spool) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    spool.copyTo(Channels.newChannel(out));
    return out.toByteArray();
  }

  @Test
  void smallMessageStaysInMemory() throws IOException {
    try (Spool spool = new Spool(dir, 1000)) {
      spool.write(bytes(600, 1));
      spool.write(bytes(400, 2));
      assertFalse(spool.inFile());
      assertEquals(1000, spool.size());
      byte[] all = copy(spool);
      assertArrayEquals(bytes(600, 1), java.util.Arrays.copyOfRange(all, 0, 600));
      assertArrayEquals(bytes(400, 2), java.util.Arrays.copyOfRange(all, 600, 1000));
    }
  }

  @Test
  void largeMessageMovesToAFileThatIsAlreadyUnlinked() throws IOException {
    try (Spool spool = new Spool(dir, 1000)) {
      spool.write(bytes(700, 1));
      spool.write(bytes(5000, 2));
      assertTrue(spool.inFile());
      assertEquals(5700, spool.size());
      try (Stream<Path> files = Files.list(dir)) {
        assertEquals(0, files.count(), "no message content is left in the spool directory");
      }
      byte[] all = copy(spool);
      assertEquals(5700, all.length);
      assertArrayEquals(bytes(5000, 2), java.util.Arrays.copyOfRange(all, 700, 5700));
      // Sent again for a second backend: the same bytes.
      assertArrayEquals(all, copy(spool));
    }
  }

  @Test
  void writeAfterCloseFails() {
    Spool spool = new Spool(dir, 10);
    spool.close();
    assertThrows(IOException.class, () -> spool.write(bytes(20, 0)));
  }
}
