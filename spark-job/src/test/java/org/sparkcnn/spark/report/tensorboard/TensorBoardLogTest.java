package org.sparkcnn.spark.report.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkcnn.spark.report.EpochLog;
import org.tensorflow.util.Event;

public class TensorBoardLogTest {
  @TempDir Path tmp;

  /** Every event of an event file, each record's CRCs checked by the reader. */
  public static List<Event> events(Path file) throws IOException {
    List<Event> events = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (byte[] r = TfRecords.read(in); r != null; r = TfRecords.read(in)) {
        events.add(Event.parseFrom(r));
      }
    }
    return events;
  }

  /** tag → (step → value) of an event file's scalars. */
  public static Map<String, Map<Long, Float>> scalars(Path file) throws IOException {
    Map<String, Map<Long, Float>> m = new LinkedHashMap<>();
    for (Event e : events(file)) {
      for (var v : e.getSummary().getValueList()) {
        m.computeIfAbsent(v.getTag(), k -> new LinkedHashMap<>())
            .put(e.getStep(), v.getSimpleValue());
      }
    }
    return m;
  }

  public static Path only(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.toList();
      assertEquals(1, files.size(), "one event file in " + dir + ": " + files);
      assertTrue(files.get(0).getFileName().toString().startsWith("events.out.tfevents."));
      return files.get(0);
    }
  }

  @Test
  void maskedCrcFollowsTensorFlowsDefinition() {
    // CRC-32C of "123456789" is the standard check value 0xE3069283; TensorFlow masks it as
    // ((crc >>> 15) | (crc << 17)) + 0xa282ead8.
    byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
    int crc = 0xE3069283;
    assertEquals(((crc >>> 15) | (crc << 17)) + 0xa282ead8, TfRecords.maskedCrc(b, 0, b.length));
  }

  @Test
  void readsTheFileTensorBoardsOwnPythonWriterMade() throws Exception {
    Path file = Path.of(getClass().getResource("/tensorboard/python-written.tfevents").toURI());
    List<Event> events = events(file);
    assertEquals("brain.Event:2", events.get(0).getFileVersion());
    assertEquals(Map.of("epoch_loss", Map.of(0L, 0.5f, 1L, 0.25f)), scalars(file));
  }

  @Test
  void writesEpochScalarsAndBatchLossThatReadBack() throws Exception {
    TensorBoardLog log = new TensorBoardLog(tmp.toString(), new Configuration(), 3);
    for (long step = 0; step < 8; step++) {
      log.step(step, 2.0 - step * 0.1);
    }
    log.epochDone(
        new EpochLog(
            1,
            2,
            Map.of("loss", 0.75, "accuracy", 0.5, "val_loss", 0.8, "val_accuracy", 0.4),
            0.001,
            1234.5,
            2.0));
    log.epochDone(new EpochLog(2, 2, Map.of("loss", 0.5, "val_loss", 0.6), 0.001, 2000, 1.0));
    log.close();

    Path train = only(tmp.resolve("train"));
    assertEquals("brain.Event:2", events(train).get(0).getFileVersion());
    Map<String, Map<Long, Float>> t = scalars(train);
    assertEquals(Map.of(0L, 2.0f, 3L, 1.7f, 6L, 1.4f), t.get("batch_loss"), "every 3rd step");
    assertEquals(Map.of(0L, 0.75f, 1L, 0.5f), t.get("epoch_loss"), "steps are epochs from 0");
    assertEquals(Map.of(0L, 0.5f), t.get("epoch_accuracy"));
    assertEquals(Map.of(0L, 0.001f, 1L, 0.001f), t.get("epoch_learning_rate"));
    assertEquals(Map.of(0L, 1234.5f, 1L, 2000f), t.get("epoch_images_per_second"));
    Map<String, Map<Long, Float>> v = scalars(only(tmp.resolve("validation")));
    assertEquals(
        Map.of("epoch_loss", Map.of(0L, 0.8f, 1L, 0.6f), "epoch_accuracy", Map.of(0L, 0.4f)), v);
  }

  @Test
  void aDamagedRecordIsAnErrorNotAValue() throws Exception {
    byte[] record = TfRecords.frame("hello".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "hello",
        new String(TfRecords.read(new ByteArrayInputStream(record)), StandardCharsets.UTF_8));
    assertNull(TfRecords.read(new ByteArrayInputStream(new byte[0])));
    for (int at : new int[] {0, 9, 13, record.length - 1}) {
      byte[] bad = record.clone();
      bad[at] ^= 1;
      IOException e =
          assertThrows(
              IOException.class, () -> TfRecords.read(new ByteArrayInputStream(bad)), "byte " + at);
      assertTrue(
          e.getMessage().contains("CRC") || e.getMessage().contains("range"), e.getMessage());
    }
    byte[] cut = Arrays.copyOf(record, record.length - 3);
    assertThrows(IOException.class, () -> TfRecords.read(new ByteArrayInputStream(cut)));
  }
}
