package org.sparkcnn.datasets;

/**
 * One file left out under {@link BadFilePolicy#SKIP}.
 *
 * @param file the file's path, as the walk's {@link FileTree} names it
 * @param reason the message the error would have carried under {@link BadFilePolicy#FAIL}
 */
public record SkippedFile(String file, String reason) {}
