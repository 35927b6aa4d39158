package io.headroom.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;
import oshi.software.os.OSFileStore;

class OshiFileStoreTest {

  private static OSFileStore mountedAt(String mount) {
    return (OSFileStore)
        Proxy.newProxyInstance(
            OSFileStore.class.getClassLoader(),
            new Class<?>[] {OSFileStore.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getMount" -> mount;
                  case "toString" -> "store at " + mount;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  @Test
  void longestMountPrefixByWholeComponentsWins() {
    OSFileStore root = mountedAt("/");
    OSFileStore var = mountedAt("/var");
    OSFileStore spool = mountedAt("/var/spool");
    OSFileStore lookalike = mountedAt("/var/spoolx");
    List<OSFileStore> stores = List.of(root, spool, lookalike, var);

    assertSame(spool, OshiFileStore.covering(stores, Path.of("/var/spool/postfix")).orElseThrow());
    assertSame(var, OshiFileStore.covering(stores, Path.of("/var/lib")).orElseThrow());
    assertSame(root, OshiFileStore.covering(stores, Path.of("/srv")).orElseThrow());
  }

  @Test
  void laterMountOverTheSamePointWins() {
    OSFileStore under = mountedAt("/var");
    OSFileStore over = mountedAt("/var");

    assertSame(
        over, OshiFileStore.covering(List.of(under, over), Path.of("/var/mail")).orElseThrow());
  }

  @Test
  void noCoveringMountIsEmpty() {
    assertEquals(
        Optional.empty(), OshiFileStore.covering(List.of(mountedAt("/srv")), Path.of("/var")));
  }

  @Test
  void readsTheRealFileSystemOfADirectory(@TempDir Path dir) throws Exception {
    OshiFileStore source =
        new OshiFileStore(new SystemInfo().getOperatingSystem().getFileSystem(), dir);

    FileStoreUsage first = source.read();
    FileStoreUsage second = source.read();

    assertTrue(first.totalBytes() > 0, first.toString());
    assertTrue(
        first.usableBytes() >= 0 && first.usableBytes() <= first.totalBytes(), first.toString());
    assertTrue(first.freeInodes() <= first.totalInodes(), first.toString());
    assertEquals(Files.getFileStore(dir).getTotalSpace(), second.totalBytes(), second.toString());
  }
}
