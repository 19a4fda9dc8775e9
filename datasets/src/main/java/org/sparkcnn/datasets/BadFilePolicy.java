package org.sparkcnn.datasets;

/** What {@link ImageFolderReader} does with a file it cannot use. */
public enum BadFilePolicy {
  /** Stop at the first bad file with a {@link DatasetException} naming it. The default. */
  FAIL,
  /**
   * Leave bad files out and list each, with the reason, in {@link ImageFolderResult#skipped()}.
   * Layout errors that make the classes themselves doubtful (no class folders, a class left with no
   * images) still fail.
   */
  SKIP
}
