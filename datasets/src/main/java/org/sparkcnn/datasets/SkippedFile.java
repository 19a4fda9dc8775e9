package org.sparkcnn.datasets;

import java.nio.file.Path;

/**
 * One file left out under {@link BadFilePolicy#SKIP}.
 *
 * @param reason the message the error would have carried under {@link BadFilePolicy#FAIL}
 */
public record SkippedFile(Path file, String reason) {}
