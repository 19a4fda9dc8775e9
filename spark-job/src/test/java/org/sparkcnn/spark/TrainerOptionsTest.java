package org.sparkcnn.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparkcnn.core.settings.TrainingSettings.BATCH_SIZE;
import static org.sparkcnn.core.settings.TrainingSettings.EPOCHS;
import static org.sparkcnn.core.settings.TrainingSettings.RESCALE;
import static org.sparkcnn.core.settings.TrainingSettings.SEED;
import static org.sparkcnn.core.settings.TrainingSettings.VALIDATION_SPLIT;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The defaults, ranges and names come from TrainingSettings (SettingsAgreeTest); the rest here. */
class TrainerOptionsTest {

  @Test
  void withChangesOneSettingOfACopy() {
    TrainerOptions defaults = TrainerOptions.defaults();
    TrainerOptions changed = defaults.with(BATCH_SIZE, 64).with(SEED, 9L);
    assertEquals(64, changed.get(BATCH_SIZE));
    assertEquals(9L, changed.get(SEED));
    assertEquals(EPOCHS.defaultValue(), changed.get(EPOCHS));
    assertEquals(BATCH_SIZE.defaultValue(), defaults.get(BATCH_SIZE), "the original unchanged");
  }

  @Test
  void fromTakesJsonNumbersAsTheSettingsTypes() {
    Map<String, Object> json = Map.of("epochs", 3L, "batch_size", 16L, "rescale", 1L);
    TrainerOptions o = TrainerOptions.from(s -> json.getOrDefault(s.key(), s.defaultValue()));
    assertEquals(Integer.valueOf(3), o.get(EPOCHS));
    assertEquals(Integer.valueOf(16), o.get(BATCH_SIZE));
    assertEquals(Double.valueOf(1.0), o.get(RESCALE));
  }

  @Test
  void aValueOutOfRangeOrAnotherSettingIsRefusedByName() {
    String range =
        assertThrows(
                IllegalArgumentException.class, () -> TrainerOptions.defaults().with(EPOCHS, 0))
            .getMessage();
    assertTrue(range.contains("TrainerOptions.epochs") && range.contains("received: 0"), range);
    String wrongType =
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainerOptions.from(s -> s == EPOCHS ? "3" : s.defaultValue()))
            .getMessage();
    assertTrue(wrongType.contains("TrainerOptions.epochs"), wrongType);
    String other =
        assertThrows(
                IllegalArgumentException.class,
                () -> TrainerOptions.defaults().with(VALIDATION_SPLIT, 0.1))
            .getMessage();
    assertTrue(
        other.contains("validation_split") && other.contains("batch_size, shuffle, seed"), other);
  }
}
