package dev.softmaxengine.bench.suite;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar on one line, redrawn in place with {@code \r}:
 * {@code [##########..........]  50%  104/208  1:02 left  simd x2 softmax float32 16384x1024}.
 * The time left extrapolates the average case so far, so it is rough: cases differ a lot.
 */
public final class ProgressLine implements Progress {
    private static final int WIDTH = 24;

    private final PrintWriter err;
    private final long start = System.nanoTime();
    private int lastLength;

    public ProgressLine(PrintWriter err) {
        if (err == null) {
            throw new IllegalArgumentException("err must not be null");
        }
        this.err = err;
    }

    @Override
    public void update(int done, int total, String what) {
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        String left = "";
        if (done > 0 && total > done) {
            long seconds = (System.nanoTime() - start) * (total - done) / done / 1_000_000_000L;
            left = String.format(Locale.ROOT, "  %d:%02d left", seconds / 60, seconds % 60);
        }
        String line = String.format(Locale.ROOT, "[%s%s] %3d%%  %d/%d%s  %s", "#".repeat(filled),
                ".".repeat(WIDTH - filled), total == 0 ? 100 : 100L * done / total, done, total, left, what);
        // Blanks over the tail of a longer previous line.
        err.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
        err.flush();
        lastLength = line.length();
    }

    @Override
    public void finish() {
        if (lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
            lastLength = 0;
        }
    }
}
