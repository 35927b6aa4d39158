package io.headroom.ops;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Signal handlers that work however the daemon was started.
 *
 * <p>HotSpot does not install its handler for HUP, INT or TERM when the signal was ignored when the
 * JVM started ({@code nohup}, {@code trap '' HUP}): {@link Signal#handle} then quietly returns
 * {@link SignalHandler#SIG_IGN} and the handler never runs, so a reload by SIGHUP would do nothing.
 * Here the disposition is reset to the default with libc's signal(2) (through JNA, which OSHI
 * already brings) and the handler registered again. Between the two calls the signal has its
 * default action; the window is a few microseconds at start-up.
 */
public final class Signals {
  private interface LibC extends Library {
    Pointer signal(int signum, Pointer handler);
  }

  private Signals() {}

  /**
   * Runs {@code action} for each delivery of {@code name}, unless the signal was ignored at start:
   * for INT, which a shell ignores for its background jobs so that Ctrl-C spares them.
   */
  public static void handleUnlessIgnored(String name, Runnable action) {
    Signal.handle(new Signal(name), s -> action.run());
  }

  /**
   * Runs {@code action} on the JVM's signal thread for each delivery of the signal {@code name}
   * (HUP, TERM, ...), also when it was ignored at start.
   *
   * @return true if the signal was ignored at start and had to be taken back
   */
  public static boolean handle(String name, Runnable action) {
    Signal signal = new Signal(name);
    SignalHandler handler = s -> action.run();
    if (Signal.handle(signal, handler) != SignalHandler.SIG_IGN) {
      return false;
    }
    Native.load("c", LibC.class).signal(signal.getNumber(), Pointer.NULL); // SIG_DFL
    if (Signal.handle(signal, handler) == SignalHandler.SIG_IGN) {
      throw new IllegalStateException("SIG" + name + " stays ignored");
    }
    return true;
  }
}
