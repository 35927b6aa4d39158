package io.headroom;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What the user asked for on the command line. */
record CommandLine(Action action, Optional<Path> config, String reason) {

  enum Action {
    RUN,
    CHECK_CONFIG,
    STATUS,
    /**
     * Every effective setting; {@code CONFIG_CHANGED} ({@code config -n}) only those off their
     * default.
     */
    CONFIG,
    CONFIG_CHANGED,
    /** Writes the drain file ({@code --reason}); {@code UNDRAIN} removes it. */
    DRAIN,
    UNDRAIN,
    VERSION,
    HELP
  }

  /** Where the Debian package installs the configuration; used when no --config is given. */
  static final Path INSTALLED_CONFIG = Path.of("/etc/headroom-milter/headroom.conf");

  /** Names another default file, e.g. for tests, without touching /etc. */
  static final String CONFIG_ENV = "HEADROOM_CONFIG";

  static final String USAGE =
      """
      usage: headroom-milter [--config FILE]                run the daemon
             headroom-milter --check-config [--config FILE] validate FILE, exit 0 or 2
             headroom-milter status [--config FILE]         run every probe once and print it
             headroom-milter config [-n] [--config FILE]    print the effective settings (-n: changed ones)
             headroom-milter drain [--reason TEXT] [--config FILE]
                                                            defer every new transaction with TEXT until undrain
             headroom-milter undrain [--config FILE]        end the drain
             headroom-milter --version                      print the version
      Without --config every command reads /etc/headroom-milter/headroom.conf if it exists
      (or the file named by $HEADROOM_CONFIG), else runs on built-in defaults, and says which.""";

  static CommandLine parse(List<String> args) {
    Action action = Action.RUN;
    Path config = null;
    boolean changedOnly = false;
    String reason = null;
    String command = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      switch (arg) {
        case "--config" -> {
          // An empty name is the working directory to Path.of: "Is a directory" would puzzle.
          if (i + 1 >= args.size() || args.get(i + 1).isEmpty()) {
            throw new IllegalArgumentException("--config needs a file");
          }
          config = Path.of(args.get(++i));
        }
        case "--reason" -> {
          if (i + 1 >= args.size()) {
            throw new IllegalArgumentException("--reason needs a text");
          }
          reason = args.get(++i);
        }
        case "-n" -> changedOnly = true;
        default -> {
          Action named = command(arg);
          // "drain undrain" must not quietly undrain: two commands are a mistake to point out.
          if (command != null && !command.equals(arg)) {
            throw new IllegalArgumentException("one command at a time: " + command + " and " + arg);
          }
          command = arg;
          action = named;
        }
      }
    }
    if (changedOnly) {
      if (action != Action.CONFIG) {
        throw new IllegalArgumentException("-n goes with config");
      }
      action = Action.CONFIG_CHANGED;
    }
    if (reason != null && action != Action.DRAIN) {
      throw new IllegalArgumentException("--reason goes with drain");
    }
    return new CommandLine(action, Optional.ofNullable(config), reason == null ? "" : reason);
  }

  private static Action command(String arg) {
    return switch (arg) {
      case "--check-config" -> Action.CHECK_CONFIG;
      case "drain" -> Action.DRAIN;
      case "undrain" -> Action.UNDRAIN;
      case "status" -> Action.STATUS;
      case "config" -> Action.CONFIG;
      case "--version", "-V" -> Action.VERSION;
      case "--help", "-h" -> Action.HELP;
      default -> throw new IllegalArgumentException("unknown argument: " + arg);
    };
  }

  /**
   * The file this command reads: --config, else the default file if it exists, else none (the
   * built-in defaults). A named file that is missing is an error the parser reports; a missing
   * default file is not.
   */
  Optional<Path> configFile(Path defaultFile) {
    if (config.isPresent()) {
      return config;
    }
    return Files.exists(defaultFile) ? Optional.of(defaultFile) : Optional.empty();
  }
}
