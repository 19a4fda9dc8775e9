package org.sparkcnn.datasets;

import java.util.List;

/**
 * What {@link ImageFolderReader#read} returns: the images, and every file it left out (always empty
 * under {@link BadFilePolicy#FAIL}).
 */
public record ImageFolderResult(ImageDataset dataset, List<SkippedFile> skipped) {
  public ImageFolderResult {
    skipped = List.copyOf(skipped);
  }
}
