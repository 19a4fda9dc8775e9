package org.sparkcnn.core.losses;

/** What every loss here shares: its Keras name and, for one target per output, the target rule. */
abstract class KerasLoss implements Loss {
  private final String kerasName;
  private final TargetRule rule;

  /**
   * @param rule what each target must satisfy; null for a loss that overrides {@link #checkTarget}
   */
  KerasLoss(String kerasName, TargetRule rule) {
    this.kerasName = kerasName;
    this.rule = rule;
  }

  @Override
  public final String kerasName() {
    return kerasName;
  }

  @Override
  public String checkTarget(float[] targets, int offset, int outputWidth) {
    return rule.firstBroken(targets, offset, outputWidth);
  }
}
