package io.headroom.scan;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * A {@link BlockingConversation} run one step at a time, in order, on the scan executor. A step
 * still queued when the conversation is closed does not run.
 */
final class ExecutorConversation implements Conversation {

  @FunctionalInterface
  private interface Step<T> {
    T run() throws Exception;
  }

  private final BlockingConversation blocking;
  private final Executor io;
  private volatile boolean closed;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null); // guarded by this

  ExecutorConversation(BlockingConversation blocking, Executor io) {
    this.blocking = blocking;
    this.io = io;
  }

  @Override
  public CompletableFuture<Void> write(byte[] bytes) {
    return step(
        () -> {
          blocking.write(bytes);
          return null;
        });
  }

  @Override
  public CompletableFuture<ScannerVerdict> finish(byte[] last) {
    return step(() -> blocking.finish(last));
  }

  @Override
  public Optional<String> connecting() {
    return blocking.connecting();
  }

  @Override
  public void close() {
    closed = true;
    blocking.close();
  }

  private synchronized <T> CompletableFuture<T> step(Step<T> step) {
    CompletableFuture<T> next = tail.thenApplyAsync(ignored -> run(step), io);
    tail = next;
    return next;
  }

  private <T> T run(Step<T> step) {
    if (closed) {
      throw new CompletionException(new ScanFailure(ScanResult.ERROR, "conversation closed"));
    }
    try {
      return step.run();
    } catch (Exception e) {
      throw new CompletionException(e);
    }
  }
}
