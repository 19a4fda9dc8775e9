package org.sparkcnn.datasets;

import java.io.Serializable;
import java.util.Objects;
import org.sparkcnn.core.errors.ErrorText;

/**
 * How {@link ImageFolderReader} turns files into model input. Build with {@link #builder()}:
 *
 * <pre>
 * ImageFolderOptions.builder().size(28, 28).channels(1).resize(true).build();
 * </pre>
 */
public final class ImageFolderOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int height;
  private final int width;
  private final int channels;
  private final boolean resize;
  private final BadFilePolicy badFilePolicy;

  private ImageFolderOptions(Builder b) {
    this.height = b.height;
    this.width = b.width;
    this.channels = b.channels;
    this.resize = b.resize;
    this.badFilePolicy = b.badFilePolicy;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** H, or 0 when the size is taken from the first image (files in name order). */
  public int height() {
    return height;
  }

  /** W, or 0 when the size is taken from the first image. */
  public int width() {
    return width;
  }

  /** C: 1 (luminance) or 3 (RGB); see {@link ImageDecoder} for the conversion. */
  public int channels() {
    return channels;
  }

  /** Whether images of another size are resized (bilinear) rather than refused. */
  public boolean resize() {
    return resize;
  }

  public BadFilePolicy badFilePolicy() {
    return badFilePolicy;
  }

  /**
   * The decoder these options make: exact or resizing at the set size, or null when the size is
   * taken from the first image.
   */
  public ImageDecoder decoder() {
    if (height == 0) {
      return null;
    }
    return resize
        ? ImageDecoder.resizing(height, width, channels)
        : ImageDecoder.exact(height, width, channels);
  }

  /** Collects the settings; {@link #build()} checks that they fit together. */
  public static final class Builder {
    private int height;
    private int width;
    private int channels;
    private boolean resize;
    private BadFilePolicy badFilePolicy = BadFilePolicy.FAIL;

    private Builder() {}

    /**
     * The model's input height and width. Unset (the default), every image must have the size of
     * the first one; that is the only case where sizes are not checked against the model.
     */
    public Builder size(int height, int width) {
      this.height = height;
      this.width = width;
      return this;
    }

    public Builder height(int height) {
      this.height = height;
      return this;
    }

    public Builder width(int width) {
      this.width = width;
      return this;
    }

    /** Required: 1 for grayscale, 3 for RGB, the channel count the model expects. */
    public Builder channels(int channels) {
      this.channels = channels;
      return this;
    }

    /**
     * Resize images of another size to {@link #size} (bilinear). Off by default: a size difference
     * is then an error, because silently stretching data hides mistakes.
     */
    public Builder resize(boolean resize) {
      this.resize = resize;
      return this;
    }

    /** {@link BadFilePolicy#FAIL} (default) or {@link BadFilePolicy#SKIP}. */
    public Builder badFilePolicy(BadFilePolicy policy) {
      this.badFilePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public ImageFolderOptions build() {
      ImageDecoder.checkChannels(channels, "ImageFolderOptions");
      if (height < 0 || width < 0 || (height == 0) != (width == 0)) {
        throw ErrorText.problem("invalid image size")
            .in("ImageFolderOptions")
            .received(height + " x " + width)
            .expected(
                "height and width both positive, or both unset (0) to take the size of the first"
                    + " image")
            .illegalArgument();
      }
      if (resize && height == 0) {
        throw ErrorText.problem("resize(true) needs a target size")
            .in("ImageFolderOptions")
            .received("no size")
            .expected("size(height, width)")
            .hint("set size(height, width) as well, or resize(false)")
            .illegalArgument();
      }
      return new ImageFolderOptions(this);
    }
  }
}
