package io.headroom;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What the user asked for on the command line. */
record CommandLine(Action action, Optional<Path> config) {

  enum Action {
    RUN,
    CHECK_CONFIG,
    STATUS,
    /** Every effective setting; {@code CONFIG_CHANGED} ({@code config -n}) only those off their default. */
    CONFIG,
    CONFIG_CHANGED,
    HELP
  }

  static final String USAGE =
      """
      usage: java -jar headroom-milter.jar [--config FILE]              run the daemon
             java -jar headroom-milter.jar --check-config --config FILE validate FILE, exit 0 or 2
             java -jar headroom-milter.jar status [--config FILE]       run every probe once and print it
             java -jar headroom-milter.jar config [-n] [--config FILE]  print the effective settings (-n: changed ones)
      Without --config the daemon runs on built-in defaults.""";

  static CommandLine parse(List<String> args) {
    Action action = Action.RUN;
    Path config = null;
    boolean changedOnly = false;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--config" -> {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException("--config needs a file");
          }
          config = Path.of(args.get(++i));
        }
        case "--check-config" -> action = Action.CHECK_CONFIG;
        case "status" -> action = Action.STATUS;
        case "config" -> action = Action.CONFIG;
        case "-n" -> changedOnly = true;
        case "--help", "-h" -> action = Action.HELP;
        default -> throw new IllegalArgumentException("unknown argument: " + arg);
      }
    }
    if (action == Action.CHECK_CONFIG && config == null) {
      throw new IllegalArgumentException("--check-config needs --config FILE");
    }
    if (changedOnly) {
      if (action != Action.CONFIG) {
        throw new IllegalArgumentException("-n goes with config");
      }
      action = Action.CONFIG_CHANGED;
    }
    return new CommandLine(action, Optional.ofNullable(config));
  }
}
