package dev.softmaxengine.spark;

import dev.softmaxengine.api.SoftmaxKernel;
import dev.softmaxengine.models.Classifier;
import dev.softmaxengine.models.Classifiers;

import java.io.IOException;
import java.io.Serial;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model file's bytes and their SHA-256, which is what travels to the executors: the bytes once
 * per stage in the task binary, the hash as the key under which each executor keeps its one loaded
 * instance ({@link ExecutorKernels}).
 */
record SavedModel(String key, byte[] bytes) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    static SavedModel of(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("model bytes must be a non-empty model file, were "
                    + (bytes == null ? "null" : "empty"));
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return new SavedModel(HexFormat.of().formatHex(digest), bytes.clone());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static SavedModel read(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("model file must not be null");
        }
        try {
            return of(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model file " + file + ": " + e.getMessage(), e);
        }
    }

    /** The model's file bytes, through a temporary file ({@link Classifier#save} writes paths only). */
    static SavedModel of(Classifier model) {
        if (model == null) {
            throw new IllegalArgumentException("model must not be null");
        }
        try {
            Path tmp = Files.createTempFile("softmax-engine-model-", ".smx");
            try {
                model.save(tmp);
                return of(Files.readAllBytes(tmp));
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + model + ": " + e.getMessage(), e);
        }
    }

    /**
     * The classifier, normalizing on {@code kernel}.
     *
     * @throws UncheckedIOException when the bytes are not a classifier's model file
     */
    Classifier load(SoftmaxKernel kernel) {
        try {
            // The models read files by path, so the bytes go through a private temporary file.
            Path tmp = Files.createTempFile("softmax-engine-model-", ".smx");
            try {
                Files.write(tmp, bytes);
                return Classifiers.load(tmp, kernel);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("model " + key + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SavedModel[sha256 " + key + ", " + bytes.length + " bytes]";
    }
}
