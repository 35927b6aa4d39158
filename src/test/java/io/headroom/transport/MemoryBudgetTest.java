package io.headroom.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, item 1: one bound for what all peers and scans hold together, refused at once when
 * full.
 */
class MemoryBudgetTest {

  @Test
  void whatDoesNotFitIsRefusedAndTakesNothing() {
    MemoryBudget budget = new MemoryBudget(1000);
    assertTrue(budget.tryReserve(600));
    assertFalse(budget.tryReserve(401));
    assertEquals(600, budget.used());
    assertTrue(budget.tryReserve(400));
    budget.release(1000);
    assertEquals(0, budget.used());
  }

  @Test
  void aReservationGivesItsBytesBackOnceHoweverOftenItIsClosed() {
    MemoryBudget budget = new MemoryBudget(1000);
    Optional<MemoryBudget.Reservation> scan = budget.reserve(700);
    assertTrue(scan.isPresent());
    assertEquals(
        Optional.empty(), budget.reserve(301), "a second scan does not fit: answer it busy");
    scan.get().close();
    scan.get().close();
    assertEquals(0, budget.used());
  }

  @Test
  void theDefaultIsHalfTheHeap() {
    assertEquals(Runtime.getRuntime().maxMemory() / 2, MemoryBudget.forHeap().limit());
  }
}
