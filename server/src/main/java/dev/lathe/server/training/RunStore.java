package dev.lathe.server.training;

import dev.lathe.finetune.RunLayout;
import dev.lathe.objectstore.ObjectStore;
import dev.lathe.objectstore.StoredObject;
import dev.lathe.server.store.StoreCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One job's run directory and its copy in the object store, under {@code jobs/<job id>/} with the
 * run's own layout ({@link RunLayout}).
 *
 * <p>With the local store the run directory under the data directory is the stored run itself:
 * nothing is copied, and models are recorded by their paths. With a remote store the run directory
 * is this worker's scratch: every checkpoint is uploaded as soon as it is written ({@code
 * state.json} last, so a checkpoint in the store is complete once its state is there), as is every
 * directory a model is served from, recorded as a {@code store:} location ({@link
 * StoreCache#location}); a worker that takes the job over downloads the newest stored checkpoint
 * before it resumes.
 */
final class RunStore {
  private final ObjectStore store;
  private final RunLayout run;
  private final String prefix;
  private final Set<Path> uploaded = new HashSet<>();

  /**
   * @param store the object store
   * @param jobId the job
   * @param run the job's run directory on this worker
   */
  RunStore(ObjectStore store, String jobId, RunLayout run) {
    this.store = store;
    this.run = run;
    this.prefix = "jobs/" + jobId + "/";
  }

  private boolean remote() {
    return !store.local();
  }

  private String key(Path local) {
    return prefix + run.root().relativize(local).toString().replace('\\', '/');
  }

  /**
   * Downloads the newest complete checkpoint in the store when this worker has none as new (and a
   * DPO run's reference numbers); returns its step, or 0 when nothing was downloaded.
   */
  int restore() throws IOException {
    if (!remote()) {
      return 0;
    }
    String checkpoints = key(run.checkpoints()) + "/";
    Map<Integer, String> complete = new TreeMap<>(Comparator.reverseOrder());
    String reference = null;
    for (StoredObject o : store.list(checkpoints)) {
      String rest = o.key().substring(checkpoints.length());
      if (o.key().equals(key(run.referenceLogProbs()))) {
        reference = o.key();
      }
      if (rest.endsWith("/" + RunLayout.STATE_FILE) && rest.indexOf('/') == rest.lastIndexOf('/')) {
        String dir = rest.substring(0, rest.indexOf('/'));
        RunLayout.Checkpoint.of(run.checkpoints().resolve(dir))
            .ifPresent(c -> complete.put(c.step(), checkpoints + dir + "/"));
      }
    }
    if (reference != null && !Files.isRegularFile(run.referenceLogProbs())) {
      store.get(reference, run.referenceLogProbs());
    }
    if (complete.isEmpty()) {
      return 0;
    }
    var newest = complete.entrySet().iterator().next();
    int step = newest.getKey();
    int local = run.newestCheckpoint().map(RunLayout.Checkpoint::step).orElse(0);
    if (local >= step) {
      return 0;
    }
    Path target = run.checkpoint(step).dir();
    Path temp = target.resolveSibling(".download-" + target.getFileName());
    deleteTree(temp);
    for (StoredObject o : store.list(newest.getValue())) {
      store.get(o.key(), temp.resolve(o.key().substring(newest.getValue().length())));
    }
    deleteTree(target);
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    return step;
  }

  /** Uploads the checkpoint just written at {@code dir}, its state last. */
  void saveCheckpoint(Path dir) throws IOException {
    if (!remote()) {
      return;
    }
    Path state = dir.resolve(RunLayout.STATE_FILE);
    for (Path f : files(dir)) {
      if (!f.equals(state)) {
        upload(f);
      }
    }
    if (Files.isRegularFile(run.referenceLogProbs())) {
      upload(run.referenceLogProbs());
    }
    upload(state);
  }

  /**
   * Uploads whatever of the servable directory {@code dir} is not in the store yet; returns the
   * location to record for it.
   */
  String publish(Path dir) throws IOException {
    if (!remote()) {
      return dir.toAbsolutePath().toString();
    }
    for (Path f : files(dir)) {
      upload(f);
    }
    return StoreCache.location(key(dir));
  }

  /** Deletes the stored copy of the checkpoint at {@code dir} (the local one is the caller's). */
  void deleteCheckpoint(Path dir) throws IOException {
    if (remote()) {
      store.deletePrefix(key(dir) + "/");
    }
  }

  private void upload(Path file) throws IOException {
    if (uploaded.add(file)) {
      try {
        store.put(key(file), file);
      } catch (IOException | RuntimeException e) {
        uploaded.remove(file);
        throw e;
      }
    }
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).sorted().toList();
    }
  }

  /** Deletes {@code root} and everything under it, if it exists. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
