package io.headroom.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.headroom.config.ScannerEndpoint;
import io.headroom.config.ScannerEndpoint.Kind;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackendPoolTest {

  @Test
  void aScannerDeclaredDownDuringAPauseEndsTheRetryingWithinAPoll() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    AtomicLong declaredAt = new AtomicLong();
    AtomicInteger attempts = new AtomicInteger();
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    BackendPool pool = new BackendPool(Kind.CLAMD, List.of(endpoint()), down::get);
    try (Link link = new Link()) {
      ScanFailure failure =
          assertThrows(
              ScanFailure.class,
              () ->
                  pool.connect(
                      link,
                      (endpoint, l) -> {
                        // After the fifth refusal comes the longest pause (500 ms); the health
                        // check gives up on the scanner 100 ms into it.
                        if (attempts.incrementAndGet() == 5) {
                          timer.schedule(
                              () -> {
                                declaredAt.set(System.nanoTime());
                                down.set(true);
                              },
                              100,
                              TimeUnit.MILLISECONDS);
                        }
                        throw new ConnectException("Connection refused");
                      }));
      long afterMs = (System.nanoTime() - declaredAt.get()) / 1_000_000;
      assertEquals(ScanResult.UNREACHABLE, failure.result());
      assertTrue(
          failure.getMessage().contains("its health check declares it down"), failure.getMessage());
      // The rest of that pause was 400 ms: waiting it out is what this guards against.
      assertTrue(afterMs < 250, "gave up " + afterMs + " ms after the scanner was declared down");
    } finally {
      timer.shutdownNow();
    }
  }

  private static ScannerEndpoint endpoint() {
    return ScannerEndpoint.parse("clamd:tcp:127.0.0.1:1");
  }
}
