package io.headroom.probe;

import io.headroom.config.BackendList;
import io.headroom.config.Check;
import io.headroom.config.Config;
import io.headroom.config.LookupSettings;
import io.headroom.config.LookupTable;
import io.headroom.config.Mode;
import io.headroom.config.PolicyProbeMode;
import io.headroom.config.PolicyService;
import io.headroom.config.TableFileAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The lookup tables and policy services a configuration probes: with {@code auto}, those Postfix's
 * own configuration names ({@code postconf -x}, through {@link PostfixTables}); otherwise those
 * listed. Found when the probes are built, at start and on each reload, so a change to main.cf is
 * picked up by a reload. An auto-found backend the daemon cannot reach for a reason an admin must
 * fix (a definition file it may not read, a socket in Postfix's private directory) is skipped with
 * a warning naming the fix: probing it would defer all mail for a misconfiguration.
 */
public final class LookupBackends {
  /** postmap's output: a found value, or the driver's warnings and one fatal line. */
  private static final int POSTMAP_OUTPUT_LIMIT = 64 * 1024;

  private static final Duration POSTCONF_DEADLINE = Duration.ofSeconds(10);
  private static final String CANARY_LOCAL_PART = "headroom-probe@";

  /** Reads Postfix's parameters, {@code $name} expanded; the seam for tests. */
  @FunctionalInterface
  interface Postconf {
    Map<String, String> read() throws IOException, InterruptedException;
  }

  private final LookupSettings settings;
  private final List<LookupTable> tables;
  private final List<PolicyService> services;
  private final String canary;
  private final List<String> warnings;

  private LookupBackends(
      LookupSettings settings,
      List<LookupTable> tables,
      List<PolicyService> services,
      String canary,
      List<String> warnings) {
    this.settings = settings;
    this.tables = List.copyOf(tables);
    this.services = List.copyOf(services);
    this.canary = canary;
    this.warnings = List.copyOf(warnings);
  }

  /**
   * For the checks of {@code config} that are not off; runs postconf only when something is auto or
   * the canary is unset.
   */
  public static LookupBackends find(Config config) {
    LookupSettings s = config.lookup();
    Postconf postconf =
        () ->
            PostfixTables.readPostconf(
                PostfixTables.postconfRunner(), s.postfixConfigDirectory(), POSTCONF_DEADLINE);
    return find(
        s,
        config.mode(Check.LOOKUP) != Mode.OFF,
        config.mode(Check.POLICY) != Mode.OFF,
        postconf,
        new TableFileAccess(),
        p -> p.accessProblem(Files::isWritable, Files::isExecutable));
  }

  /**
   * @param access whether a table's definition file can be read
   * @param sockets why a policy service's socket cannot be reached, empty when it can
   */
  static LookupBackends find(
      LookupSettings s,
      boolean lookupOn,
      boolean policyOn,
      Postconf postconf,
      TableFileAccess access,
      Function<PolicyService, Optional<String>> sockets) {
    List<String> warnings = new ArrayList<>();
    boolean tablesWanted = lookupOn && !s.tables().off();
    boolean servicesWanted = policyOn && !s.policyServices().off();
    boolean policyCanaryUnset =
        s.policyProbe() == PolicyProbeMode.REQUEST && s.policyCanary().isEmpty();
    boolean needsPostconf =
        tablesWanted && (s.tables().auto() || s.canary().isEmpty())
            || servicesWanted
                && (s.policyServices().auto() || policyCanaryUnset && s.canary().isEmpty());
    Map<String, String> params = needsPostconf ? read(postconf, warnings) : Map.of();
    PostfixBackends found = PostfixTables.discover(params);
    List<LookupTable> tables =
        tablesWanted
            ? usable(
                "lookup_tables",
                s.tables(),
                found.tables(),
                access::problem,
                t -> t.spec() + " (" + t.role().noun() + ")",
                warnings)
            : List.of();
    List<PolicyService> services =
        servicesWanted
            ? usable(
                "policy_services",
                s.policyServices(),
                found.policyServices(),
                sockets,
                PolicyService::spec,
                warnings)
            : List.of();
    if (servicesWanted && s.policyServices().auto()) {
      found.unreadablePolicies().forEach(why -> warnings.add("policy_services = auto: " + why));
    }
    String canary =
        s.canary()
            .orElseGet(() -> CANARY_LOCAL_PART + params.getOrDefault("mydomain", "localhost"));
    return new LookupBackends(s, tables, services, canary, warnings);
  }

  /**
   * The listed backends, or the found ones less those with a problem, each skipped with a warning.
   */
  private static <T> List<T> usable(
      String key,
      BackendList<T> setting,
      List<T> found,
      Function<T, Optional<String>> problem,
      Function<T, String> describe,
      List<String> warnings) {
    if (!setting.auto()) {
      return setting.listed();
    }
    List<T> usable = new ArrayList<>();
    for (T backend : found) {
      Optional<String> why = problem.apply(backend);
      if (why.isPresent()) {
        warnings.add(key + " = auto: " + describe.apply(backend) + " is not probed: " + why.get());
      } else {
        usable.add(backend);
      }
    }
    return usable;
  }

  /** Postfix's parameters; none (with a warning) when postconf fails. */
  private static Map<String, String> read(Postconf postconf, List<String> warnings) {
    try {
      return postconf.read();
    } catch (IOException e) {
      warnings.add(
          e.getMessage() + ": lookup tables and policy services set to auto are not probed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      warnings.add("interrupted while reading Postfix's configuration");
    }
    return Map.of();
  }

  /** Auto-found backends that are skipped, each with the fix; empty when all is well. */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * The address looked up in every table: {@code lookup_canary}, or headroom-probe@ and mydomain.
   */
  public String canary() {
    return canary;
  }

  /**
   * One probe per table, asking it at most once per {@code lookup_probe_interval} while it answers
   * (each run forks postmap). A failing table is asked again at the monitor's next round, so
   * damping confirms with fresh answers and recovery shows within a probe interval.
   */
  public List<Probe> tableProbes() {
    Postmap postmap =
        new Postmap(
            new BoundedCommand(POSTMAP_OUTPUT_LIMIT),
            settings.postfixConfigDirectory(),
            canary,
            settings.timeout());
    TableFileAccess access = new TableFileAccess();
    return tables.stream()
        .<Probe>map(
            t ->
                MinIntervalProbe.reusingPasses(
                    new LookupTableProbe(t, postmap, access), settings.interval()))
        .toList();
  }

  /** One probe per policy service, on the same interval: a request may cost the service state. */
  public List<Probe> policyProbes() {
    String policyCanary = settings.policyCanary().orElse(canary);
    return services.stream()
        .<Probe>map(
            p ->
                MinIntervalProbe.reusingPasses(
                    new PolicyServiceProbe(
                        p, settings.policyProbe(), policyCanary, settings.policyTimeout()),
                    settings.interval()))
        .toList();
  }
}
