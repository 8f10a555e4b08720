package dev.softmaxengine.bench.suite;

/** Told before each case of a suite run starts. */
public interface Progress {
    /** Nothing shown: tests and scripted runs. */
    Progress NONE = new Progress() {
        @Override
        public void update(int done, int total, String what) {
        }

        @Override
        public void finish() {
        }
    };

    /** {@code done} of {@code total} cases are finished; {@code what} runs next. */
    void update(int done, int total, String what);

    /** The run is over (or failed). */
    void finish();
}
