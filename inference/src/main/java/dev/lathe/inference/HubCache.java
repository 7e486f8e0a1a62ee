package dev.lathe.inference;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The on-disk cache of Hub repositories. Its layout follows {@code huggingface_hub}'s names without
 * its blob store and symlinks:
 *
 * <pre>
 * {cache}/models--{org}--{name}/refs/{revision}           the commit a branch or tag resolved to
 * {cache}/models--{org}--{name}/snapshots/{commit}/{file}  downloaded files
 * {cache}/models--{org}--{name}/snapshots/{commit}/{file}.part  an interrupted download
 * {cache}/models--{org}--{name}/snapshots/{commit}/.complete    every needed file is present
 * </pre>
 *
 * A file appears under its final name only once complete and verified (renamed atomically from its
 * {@code .part}); a snapshot is usable offline once {@code .complete} exists.
 */
public final class HubCache {
  private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
  private static final String COMPLETE = ".complete";

  private final Path root;

  public HubCache(Path root) {
    this.root = root;
  }

  /** The directory holding everything of {@code repoId}. */
  public Path repository(String repoId) {
    return root.resolve("models--" + repoId.replace("/", "--"));
  }

  /** The directory of the files of {@code repoId} at {@code commit}. */
  public Path snapshot(String repoId, String commit) {
    return repository(repoId).resolve("snapshots").resolve(commit);
  }

  /** The commit {@code revision} resolved to when last online, if known. */
  public Optional<String> commitOf(String repoId, String revision) throws IOException {
    if (COMMIT.matcher(revision).matches()) {
      return Optional.of(revision);
    }
    Path ref = repository(repoId).resolve("refs").resolve(revision);
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    return Optional.of(Files.readString(ref, StandardCharsets.UTF_8).trim());
  }

  /** Records that {@code revision} resolves to {@code commit}. */
  void recordRef(String repoId, String revision, String commit) throws IOException {
    if (revision.equals(commit)) {
      return;
    }
    Path ref = repository(repoId).resolve("refs").resolve(revision);
    Files.createDirectories(ref.getParent());
    Path temp = ref.resolveSibling(ref.getFileName() + ".tmp");
    Files.writeString(temp, commit, StandardCharsets.UTF_8);
    Files.move(temp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** Whether every file of the snapshot was downloaded and verified. */
  public boolean isComplete(Path snapshot) {
    return Files.isRegularFile(snapshot.resolve(COMPLETE));
  }

  /** Marks the snapshot complete. */
  void markComplete(Path snapshot) throws IOException {
    Files.writeString(snapshot.resolve(COMPLETE), "", StandardCharsets.UTF_8);
  }
}
