package io.headroom.scan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * Holds a message until its length is known. spamd's protocol needs {@code Content-length} before
 * the first byte of the message, and the milter learns the length only at the end, so for spamd the
 * message must be kept somewhere while it arrives. Keeping it in memory would make memory per
 * message grow with the message; instead, the first {@code memoryLimit} bytes stay in memory (most
 * mail is small) and a larger message moves to a file in the spool directory. The file is unlinked
 * as soon as it is opened and read and written through the open channel only, so its content never
 * outlives the message, even if the process is killed.
 */
final class Spool implements AutoCloseable {

  private final Path directory;
  private final int memoryLimit;
  private byte[] memory = new byte[0];
  private long size;
  private volatile FileChannel file;
  private volatile boolean closed;

  Spool(Path directory, int memoryLimit) {
    this.directory = directory;
    this.memoryLimit = memoryLimit;
  }

  void write(byte[] bytes) throws IOException {
    if (closed) {
      throw new IOException("spool closed");
    }
    if (file == null && size + bytes.length > memoryLimit) {
      file = openUnlinked();
      if (closed) {
        // close() ran while the file was being created and did not see it.
        close();
        throw new IOException("spool closed");
      }
      writeFully(file, ByteBuffer.wrap(memory, 0, (int) size));
      memory = new byte[0];
    }
    if (file != null) {
      writeFully(file, ByteBuffer.wrap(bytes));
    } else {
      if (size + bytes.length > memory.length) {
        memory =
            Arrays.copyOf(
                memory,
                (int) Math.min(memoryLimit, Math.max(2 * memory.length, size + bytes.length)));
      }
      System.arraycopy(bytes, 0, memory, (int) size, bytes.length);
    }
    size += bytes.length;
  }

  long size() {
    return size;
  }

  boolean inFile() {
    return file != null;
  }

  /**
   * Sends the whole message to {@code out}, from the start; may be called again for another
   * backend.
   */
  void copyTo(WritableByteChannel out) throws IOException {
    FileChannel f = file;
    if (f == null) {
      writeFully(out, ByteBuffer.wrap(memory, 0, (int) size));
      return;
    }
    long position = 0;
    while (position < size) {
      long n = f.transferTo(position, size - position, out);
      if (n <= 0) {
        throw new IOException("spool file ended at " + position + " of " + size + " bytes");
      }
      position += n;
    }
  }

  @Override
  public void close() {
    closed = true;
    memory = new byte[0];
    FileChannel f = file;
    if (f != null) {
      try {
        f.close();
      } catch (IOException e) {
        // The file is already unlinked; closing frees its blocks, nothing to report.
      }
    }
  }

  private FileChannel openUnlinked() throws IOException {
    Path path =
        Files.createTempFile(
            directory,
            "headroom-spamd-",
            ".eml",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      return FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    } finally {
      Files.delete(path);
    }
  }

  private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }
}
