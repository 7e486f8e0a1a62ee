package dev.lathe.cli;

import dev.lathe.inference.HubSettings;
import dev.lathe.inference.ModelSource;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How {@code generate}, {@code chat} and {@code train} name their model. */
class ModelOptions {

  @Option(
      names = "--model",
      required = true,
      paramLabel = "M",
      description =
          "A Hugging Face model directory, a llama2.c .bin checkpoint, a .gguf file, or a Hub"
              + " repo id org/name[@revision] (downloaded into the HF cache; HF_ENDPOINT,"
              + " HF_TOKEN, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE apply).")
  String model;

  @Option(
      names = "--tokenizer",
      paramLabel = "FILE",
      description = "llama2.c tokenizer for a .bin model (default: tok*.bin beside it).")
  Path tokenizer;

  /**
   * The model on this machine: the path given, or the Hub repo's snapshot directory in the HF cache
   * (downloaded when missing).
   */
  Path localPath() throws IOException {
    return ModelSource.localPath(model, hub());
  }

  static HubSettings hub() {
    return HubSettings.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }
}
