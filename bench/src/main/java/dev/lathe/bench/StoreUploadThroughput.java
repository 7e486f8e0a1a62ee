package dev.lathe.bench;

import dev.lathe.objectstore.Hashed;
import dev.lathe.objectstore.LocalObjectStore;
import dev.lathe.objectstore.ObjectStore;
import dev.lathe.objectstore.S3ObjectStore;
import dev.lathe.objectstore.S3Settings;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Upload throughput of one file into an {@link ObjectStore}: {@code put} from a stream, its size
 * and SHA-256 known beforehand (as when Lathe stores an upload it has spooled), timed from the
 * first byte read to the object being in place, {@code runs} times; prints each run's MB/s.
 *
 * <pre>
 * StoreUploadThroughput FILE RUNS local DIR
 * StoreUploadThroughput FILE RUNS s3 ENDPOINT BUCKET ACCESS_KEY SECRET_KEY [PART_SIZE]
 * </pre>
 */
public final class StoreUploadThroughput {
  private StoreUploadThroughput() {}

  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    int runs = Integer.parseInt(args[1]);
    ObjectStore store =
        switch (args[2]) {
          case "local" -> new LocalObjectStore(Path.of(args[3]));
          case "s3" ->
              new S3ObjectStore(
                  new S3Settings(
                      URI.create(args[3]),
                      "us-east-1",
                      args[4],
                      "bench/",
                      true,
                      args[5],
                      args[6],
                      args.length > 7 ? Integer.parseInt(args[7]) : S3Settings.DEFAULT_PART_SIZE));
          default -> throw new IllegalArgumentException("mode is local or s3, not " + args[2]);
        };
    Hashed hashed = Hashed.of(file);
    double mb = hashed.size() / 1e6;
    List<Double> speeds = new ArrayList<>();
    for (int run = 0; run < runs; run++) {
      String key = "files/upload-" + run;
      long start = System.nanoTime();
      try (InputStream in = Files.newInputStream(file)) {
        store.put(key, in, hashed.size(), hashed.sha256());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      speeds.add(mb / seconds);
      store.delete(key);
    }
    StringBuilder out = new StringBuilder(args[2] + ":");
    for (double s : speeds) {
      out.append(String.format(java.util.Locale.ROOT, " %.1f", s));
    }
    System.out.println(out.append(" MB/s"));
    if (store instanceof AutoCloseable c) {
      c.close();
    }
  }
}
