package dev.softmaxengine.models.io;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * The one progress bar of the CLI and the bench: one line on stderr, redrawn in place ({@code \r})
 * at most ten times a second, {@code [##########..........]  50%  30000/60000 rows  125000 rows/s}
 * or, for a few long steps, {@code [...]  50%  104/208  1:02 left  simd x2 softmax 16384x1024}.
 * Draw it only when stderr is a terminal ({@link #onStderr}), so that redirected logs get no
 * {@code \r} frames. Not thread-safe.
 */
public final class ProgressBar {
    private static final int WIDTH = 24;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastLength;

    /**
     * A bar on {@code err}.
     *
     * @param err where to draw; not null
     */
    public ProgressBar(PrintWriter err) {
        if (err == null) {
            throw new IllegalArgumentException("err must not be null");
        }
        this.err = err;
    }

    /**
     * A bar on {@code err} when file descriptor 2 is a terminal or {@code force}.
     *
     * @param err where to draw
     * @param force draw even when stderr is redirected
     * @return the bar, or null when none should be drawn
     */
    public static ProgressBar onStderr(PrintWriter err, boolean force) {
        return force || Terminal.stderr() ? new ProgressBar(err) : null;
    }

    /**
     * Redraws the bar, unless it was drawn less than 0.1 s ago and the work is not finished.
     *
     * @param done units finished
     * @param total units in all; 0 or less when unknown (then no bar, only the count and the rate)
     * @param unit what a unit is, e.g. {@code rows}: shown with a rate; null or empty for steps, shown
     *     with the time left instead
     * @param what what runs now, shown last; null or empty for nothing
     */
    public void update(long done, long total, String unit, String what) {
        long now = System.nanoTime();
        if (lastLength > 0 && now - lastDraw < REDRAW_NANOS && done != total) {
            return;
        }
        lastDraw = now;
        boolean units = unit != null && !unit.isEmpty();
        StringBuilder line = new StringBuilder();
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * done / total);
            line.append('[').append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append(']')
                    .append(String.format(Locale.ROOT, " %3d%%  %d/%d", 100 * done / total, done, total));
        } else {
            line.append(done);
        }
        double seconds = (now - start) / 1e9;
        if (units) {
            line.append(' ').append(unit).append(String.format(Locale.ROOT, "  %.0f %s/s", done / Math.max(seconds, 1e-9),
                    unit));
        } else if (done > 0 && total > done) {
            long left = (long) (seconds * (total - done) / done);
            line.append(String.format(Locale.ROOT, "  %d:%02d left", left / 60, left % 60));
        }
        if (what != null && !what.isEmpty()) {
            line.append("  ").append(what);
        }
        // Blanks over the tail of a longer previous line.
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = Math.max(1, line.length());
    }

    /** Ends the bar's line, if one was drawn, so that what follows starts on a line of its own. */
    public void finish() {
        if (lastLength > 0) {
            err.println();
            err.flush();
            lastLength = 0;
        }
    }
}
