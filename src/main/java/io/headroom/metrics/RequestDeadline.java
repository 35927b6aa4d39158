package io.headroom.metrics;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose exchange (waiting for the request, reading it, writing the response)
 * outlasts the deadline. Unlike a read timeout, a client that trickles one byte at a time does not
 * restart it. While the connection waits for a request it also counts in {@link
 * WaitingConnections}, so a crowd of such clients closes its own oldest members rather than the
 * scraper.
 */
final class RequestDeadline extends ChannelDuplexHandler {
  private final Duration deadline;
  private final WaitingConnections waiting;
  private ScheduledFuture<?> timer;

  RequestDeadline(Duration deadline, WaitingConnections waiting) {
    this.deadline = deadline;
    this.waiting = waiting;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    awaitRequest(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      waiting.remove(ctx.channel());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof LastHttpContent) {
      // Keep-alive: the next request gets a deadline of its own once this response is out.
      promise =
          promise
              .unvoid()
              .addListener(
                  (ChannelFutureListener)
                      f -> {
                        if (f.isSuccess() && f.channel().isActive()) {
                          awaitRequest(ctx);
                        }
                      });
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    waiting.remove(ctx.channel());
    ctx.fireChannelInactive();
  }

  private void awaitRequest(ChannelHandlerContext ctx) {
    cancel();
    timer = ctx.executor().schedule(() -> ctx.close(), deadline.toNanos(), TimeUnit.NANOSECONDS);
    waiting.add(ctx.channel());
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
