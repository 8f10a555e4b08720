package dev.softmaxengine.bench.suite;

import dev.softmaxengine.models.io.ProgressBar;

import java.io.PrintWriter;

/** The suite's progress in cases, with the time left, on the one {@link ProgressBar}. */
public final class ProgressLine implements Progress {
    private final ProgressBar bar;

    /**
     * A progress line on {@code err}.
     *
     * @param err where to draw; not null
     */
    public ProgressLine(PrintWriter err) {
        this.bar = new ProgressBar(err);
    }

    @Override
    public void update(int done, int total, String what) {
        bar.update(done, total, null, what);
    }

    @Override
    public void finish() {
        bar.finish();
    }
}
