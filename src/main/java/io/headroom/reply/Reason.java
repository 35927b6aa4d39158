package io.headroom.reply;

import java.util.List;

/**
 * Why a message is not accepted, in words a sender may read: what fails, how, and what was
 * measured, e.g. {@code Mail spool disk} {@code nearly full} ({@code 2.1% free}, {@code need 5%}).
 * No internal path, host or table name belongs here: those go to the log.
 *
 * @param noun the dependency, as the check's registry entry names it
 * @param condition what is wrong with it
 * @param facts the measurement and the limit, shown in parentheses; empty for none
 */
public record Reason(String noun, String condition, List<String> facts) {

  public Reason {
    facts = List.copyOf(facts);
  }

  public static Reason of(String noun, String condition, String... facts) {
    return new Reason(noun, condition, List.of(facts));
  }

  /** Words given whole, by the admin: the reason of a maintenance drain. */
  public static Reason verbatim(String text) {
    return new Reason(text, "", List.of());
  }

  /** {@code Mail spool disk nearly full (2.1% free, need 5%)}. */
  public String text() {
    String head = condition.isEmpty() ? noun : noun + " " + condition;
    return facts.isEmpty() ? head : head + " (" + String.join(", ", facts) + ")";
  }

  @Override
  public String toString() {
    return text();
  }
}
