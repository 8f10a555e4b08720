package dev.softmaxengine.cli.models;

import dev.softmaxengine.models.BatchScorer;
import dev.softmaxengine.models.io.Terminal;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so redirected logs get
 * no {@code \r} frames), redrawn in place ({@code \r}) at most ten times a second:
 * {@code [##########..........]  50%  30000/60000 rows  125000 rows/s}. Rows and rate only when the
 * total is unknown. {@link #finish} ends the line.
 */
final class ProgressBar implements BatchScorer.Progress {
    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err) {
        this.err = err;
    }

    /** A bar on {@code err} when file descriptor 2 is a terminal or {@code force}; else null. */
    static ProgressBar onStderr(PrintWriter err, boolean force) {
        return force || Terminal.stderr() ? new ProgressBar(err) : null;
    }

    @Override
    public void update(long done, long total) {
        long now = System.nanoTime();
        if (drawn && now - lastDraw < REDRAW_NANOS && done != total) {
            return;
        }
        lastDraw = now;
        drawn = true;
        double seconds = Math.max((now - start) / 1e9, 1e-9);
        String rate = String.format(Locale.ROOT, "%.0f rows/s", done / seconds);
        if (total > 0) {
            int filled = (int) Math.min(WIDTH, WIDTH * done / total);
            err.printf(Locale.ROOT, "\r[%s%s] %3d%%  %d/%d rows  %s", "#".repeat(filled), ".".repeat(WIDTH - filled),
                    100 * done / total, done, total, rate);
        } else {
            err.printf(Locale.ROOT, "\r%d rows  %s", done, rate);
        }
        err.flush();
    }

    /** Ends the bar's line, if one was drawn. */
    void finish() {
        if (drawn) {
            err.println();
            err.flush();
        }
    }
}
