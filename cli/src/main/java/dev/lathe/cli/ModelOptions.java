package dev.lathe.cli;

import dev.lathe.inference.HubSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** How {@code generate} and {@code chat} name their model. */
final class ModelOptions {

  @Option(
      names = "--model",
      required = true,
      paramLabel = "M",
      description =
          "A Hugging Face model directory, a llama2.c .bin checkpoint, or a Hub repo id"
              + " org/name[@revision] (downloaded into the HF cache; HF_ENDPOINT, HF_TOKEN,"
              + " HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE apply).")
  String model;

  @Option(
      names = "--tokenizer",
      paramLabel = "FILE",
      description = "llama2.c tokenizer for a .bin model (default: tok*.bin beside it).")
  Path tokenizer;

  RunnableModel open() throws IOException {
    HubSettings hub =
        HubSettings.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    return RunnableModel.open(model, Optional.ofNullable(tokenizer), hub);
  }
}
