package org.sparkcnn.spark.report;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.sparkcnn.core.kernels.KernelSelector;

/** Where a run ran, for the report: Spark, the cluster's executors and cores, the JVM, kernels. */
public final class RunEnvironment {
  private RunEnvironment() {}

  public static Map<String, String> of(SparkContext sc) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("Spark version", sc.version());
    env.put("Spark master", sc.master());
    env.put("application", sc.appName() + " (" + sc.applicationId() + ")");
    // The status tracker lists the driver too; in local mode the driver runs the tasks.
    int executors = Math.max(0, sc.statusTracker().getExecutorInfos().length - 1);
    env.put(
        "executors",
        sc.isLocal()
            ? "none: the tasks run in the driver (local mode)"
            : Integer.toString(executors));
    env.put("cores (default parallelism)", Integer.toString(sc.defaultParallelism()));
    env.put(
        "JDK",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version", System.getProperty("java.version")));
    env.put("kernels (driver)", KernelSelector.get().name());
    env.put("driver CPUs", Integer.toString(Runtime.getRuntime().availableProcessors()));
    env.put("driver max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
    return env;
  }
}
