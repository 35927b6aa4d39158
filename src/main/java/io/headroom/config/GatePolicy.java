package io.headroom.config;

import java.util.EnumMap;
import java.util.Map;

/**
 * How each check's failure is acted on, and at which SMTP stage.
 *
 * @param deferStage the stage of every check whose {@code CHECK_stage} is not set
 * @param modes every check's mode
 * @param stages every check's stage
 */
public record GatePolicy(Stage deferStage, Map<Check, Mode> modes, Map<Check, Stage> stages) {
  public GatePolicy {
    modes = Map.copyOf(new EnumMap<>(modes));
    stages = Map.copyOf(new EnumMap<>(stages));
  }

  static GatePolicy load(Settings s) {
    Stage deferStage = s.value("defer_stage", "rcpt", Values.oneOf(Stage.class));
    Map<Check, Mode> modes = new EnumMap<>(Check.class);
    for (Check check : Check.values()) {
      modes.put(check, s.value(modeName(check), "enforce", Values.oneOf(Mode.class)));
    }
    Map<Check, Stage> stages = new EnumMap<>(Check.class);
    for (Check check : Check.values()) {
      String defaultStage = check.defaultStage().orElse(deferStage).label();
      stages.put(check, s.value(stageName(check), defaultStage, Values.oneOf(Stage.class)));
    }
    return new GatePolicy(deferStage, modes, stages);
  }

  static String modeName(Check check) {
    return check.label() + "_mode";
  }

  static String stageName(Check check) {
    return check.label() + "_stage";
  }

  public Mode mode(Check check) {
    // dns_recursion asks the dns check's resolvers: with that check off, none is to be asked (and
    // a test that turns DNS off must never reach the machine's resolver).
    if (check == Check.DNS_RECURSION && mode(Check.DNS) == Mode.OFF) {
      return Mode.OFF;
    }
    return modes.getOrDefault(check, Mode.ENFORCE);
  }

  public Stage stage(Check check) {
    return stages.getOrDefault(check, deferStage);
  }
}
