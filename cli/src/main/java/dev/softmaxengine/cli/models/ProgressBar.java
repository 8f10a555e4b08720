package dev.softmaxengine.cli.models;

import dev.softmaxengine.models.BatchScorer;

import java.io.PrintWriter;

/** The scorer's progress in rows, on the one {@link dev.softmaxengine.models.io.ProgressBar}. */
final class ProgressBar implements BatchScorer.Progress {
    private final dev.softmaxengine.models.io.ProgressBar bar;

    private ProgressBar(dev.softmaxengine.models.io.ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar on {@code err} when file descriptor 2 is a terminal or {@code force}; else null. */
    static ProgressBar onStderr(PrintWriter err, boolean force) {
        dev.softmaxengine.models.io.ProgressBar bar = dev.softmaxengine.models.io.ProgressBar.onStderr(err, force);
        return bar == null ? null : new ProgressBar(bar);
    }

    @Override
    public void update(long done, long total) {
        bar.update(done, total, "rows", null);
    }

    /** Ends the bar's line, if one was drawn. */
    void finish() {
        bar.finish();
    }
}
