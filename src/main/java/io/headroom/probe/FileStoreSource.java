package io.headroom.probe;

import java.io.IOException;

/** Reads the current usage of one file system: OSHI in production, fixed numbers in tests. */
@FunctionalInterface
public interface FileStoreSource {
  FileStoreUsage read() throws IOException;
}
