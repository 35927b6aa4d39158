package io.headroom;

import io.headroom.config.Config;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigParser;
import io.headroom.config.ParsedConfig;
import io.headroom.probe.LookupBackends;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** The command line: run the daemon, validate a file, print every check once, or the version. */
public final class Main {
  static final int EXIT_OK = 0;
  static final int EXIT_FAILING = 1;
  static final int EXIT_USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    // The JDK (its HTTP server) and some libraries log through java.util.logging: one format and
    // level for everything. jmilter has its own hook, set by the milter server (JmilterLog).
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(run(List.of(args), System.out, System.err));
  }

  /** Runs a command with the default file of this environment (see {@link #defaultConfig}). */
  static int run(List<String> args, PrintStream out, PrintStream err) {
    return run(args, defaultConfig(System.getenv()), out, err);
  }

  /** The file read without --config: $HEADROOM_CONFIG if set, else the installed one. */
  static Path defaultConfig(Map<String, String> env) {
    String named = env.get(CommandLine.CONFIG_ENV);
    return named == null || named.isEmpty() ? CommandLine.INSTALLED_CONFIG : Path.of(named);
  }

  static int run(List<String> args, Path defaultConfig, PrintStream out, PrintStream err) {
    CommandLine cli;
    try {
      cli = CommandLine.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(CommandLine.USAGE);
      return EXIT_USAGE;
    }
    switch (cli.action()) {
      case HELP -> {
        out.println(CommandLine.USAGE);
        return EXIT_OK;
      }
      case VERSION -> {
        out.println("headroom-milter " + BuildInfo.version());
        return EXIT_OK;
      }
      default -> {}
    }
    Optional<Path> file = cli.configFile(defaultConfig);
    ParsedConfig parsed;
    try {
      parsed = file.isPresent() ? ConfigParser.read(file.get()) : ConfigParser.readDefaults();
    } catch (ConfigException e) {
      e.problems().forEach(err::println);
      return EXIT_USAGE;
    }
    Config config = parsed.config();
    return switch (cli.action()) {
      case CHECK_CONFIG -> {
        parsed.warnings().forEach(w -> err.println("warning: " + w));
        LookupBackends.find(config).warnings().forEach(w -> err.println("warning: " + w));
        out.println(config.describeSource() + ": OK");
        yield EXIT_OK;
      }
      case CONFIG -> ConfigCommand.print(parsed, false, out);
      case CONFIG_CHANGED -> ConfigCommand.print(parsed, true, out);
      case DRAIN, UNDRAIN ->
          DrainCommand.run(
              cli.action() == CommandLine.Action.DRAIN, cli.reason(), config, out, err);
      case STATUS -> {
        out.println("config: " + config.describeSource());
        yield StatusCommand.print(config, out);
      }
      default -> Daemon.run(parsed);
    };
  }
}
