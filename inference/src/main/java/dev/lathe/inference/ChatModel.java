package dev.lathe.inference;

import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.tokenizer.TemplateMismatchException;
import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.tokenizer.TrainedTemplate;
import dev.lathe.tokenizer.tools.ToolCallFormat;
import dev.lathe.tokenizer.tools.ToolCallParser;
import dev.lathe.transformer.AdapterSet;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A model with everything a text or chat client needs around it (the {@code generate} and {@code
 * chat} commands, the HTTP server): its tokenizer, how a prompt and a conversation become token
 * ids, and the ids that end a reply.
 *
 * <p>The model argument is a Hugging Face model directory, a llama2.c {@code .bin} checkpoint
 * (tokenizer: {@code --tokenizer}, else {@code tokenizer.bin} or the one {@code tok*.bin} beside
 * it), a GGUF file (tokenizer and chat template from its metadata: {@link GgufChatModel}), or a Hub
 * repo id {@code org/name[@revision]} fetched into the Hugging Face cache.
 *
 * <p>Conversations use the model's own chat template, tokenized as rendered with special-token
 * strings as their ids (the template writes any BOS itself, as {@code apply_chat_template} does). A
 * model without one (TinyStories, llama2.c) gets the plain format {@link ChatTemplate#PLAIN_SOURCE}
 * ({@code System: …\nUser: …\nAssistant:}), tokenized with the model's default BOS, and replies
 * also stop at a new {@code "\nUser:"} line.
 *
 * <p>{@code fingerprint} computes the {@link TrainedTemplate} a fine-tune served over this model
 * must have been trained with (its tokenizer as Hugging Face files, template and special tokens);
 * null for a llama2.c model, which has no Hugging Face tokenizer.
 */
public record ChatModel(
    LanguageModel model,
    TextTokenizer tokenizer,
    PromptEncoder prompts,
    ChatTemplate chatTemplate,
    boolean plainChat,
    Set<Integer> stopTokenIds,
    Supplier<TrainedTemplate> fingerprint,
    AutoCloseable resources)
    implements AutoCloseable {

  /** Text to token ids, with or without the model's default BOS. */
  public interface PromptEncoder {
    /** Ids of a prompt as the model expects it at the start of a sequence (BOS added). */
    int[] prompt(String text);

    /** Ids of rendered chat text; special-token strings stand for their ids. */
    int[] rendered(String text, boolean addBos);
  }

  /** Stop strings a plain-format reply ends at (the model starting the next turn). */
  public static final List<String> PLAIN_CHAT_STOPS = List.of("\nUser:", "\nSystem:");

  /** Ids of the conversation so far, ending with the assistant's header. */
  public int[] conversation(List<ChatMessage> messages) {
    return conversation(messages, List.of());
  }

  /**
   * Ids of the conversation so far with the request's {@code tools} (OpenAI function definitions
   * parsed into maps; empty for none), ending with the assistant's header. The template writes the
   * tools its own way (Lathe's {@code <tool>} lines for the plain format); check the request first
   * with {@link dev.lathe.tokenizer.tools.ToolRequestCheck} and refuse tools when {@link
   * #toolCallFormat()} is empty.
   */
  public int[] conversation(List<ChatMessage> messages, List<Map<String, Object>> tools) {
    String text = chatTemplate.render(messages, tools, true, Map.of());
    return prompts.rendered(text, plainChat);
  }

  /**
   * How this model writes tool calls (read its replies with a {@link ToolCallParser} of it), or
   * empty when its chat template has no tool calling.
   */
  public Optional<ToolCallFormat> toolCallFormat() {
    return ToolCallFormat.of(chatTemplate);
  }

  /** Stop strings for chat replies. */
  public List<String> chatStops() {
    return plainChat ? PLAIN_CHAT_STOPS : List.of();
  }

  @Override
  public void close() throws Exception {
    resources.close();
  }

  /**
   * A fine-tune of this model: {@code adapters} applied over its weights, which the view shares (as
   * it shares the tokenizer, formats and stop ids). Closing the view closes nothing; the view is
   * usable while this model is open.
   *
   * @throws IllegalArgumentException when the adapters do not fit this model (the message names the
   *     tensor), or the model's family takes no adapters
   */
  public ChatModel withAdapters(AdapterSet adapters) {
    LanguageModel adapted;
    try {
      adapted = model.withAdapters(adapters);
    } catch (UnsupportedOperationException e) {
      throw new IllegalArgumentException(
          adapters.source() + ": cannot apply LoRA adapters: " + e.getMessage(), e);
    }
    return withWeights(adapted);
  }

  /**
   * {@code weights} (e.g. a full fine-tune of this model, or an adapted view of it) with this
   * model's tokenizer, formats and stop ids. Closing the result closes nothing; it is usable while
   * this model is open.
   */
  public ChatModel withWeights(LanguageModel weights) {
    return new ChatModel(
        weights, tokenizer, prompts, chatTemplate, plainChat, stopTokenIds, fingerprint, () -> {});
  }

  /**
   * {@link #withAdapters} with the PEFT adapter directory {@code dir} ({@code adapter_config.json}
   * and {@code adapter_model.safetensors}); a missing or unfit adapter is an IOException naming it.
   */
  public ChatModel withAdapter(Path dir) throws IOException {
    return adaptedBy(AdapterSet.read(dir));
  }

  private ChatModel adaptedBy(AdapterSet adapters) throws IOException {
    try {
      return withAdapters(adapters);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * A fine-tune of this model read by {@link #withFineTune}.
   *
   * @param model the fine-tuned model (this model's tokenizer, formats and stop ids)
   * @param adapterBytes what its LoRA adapter holds in memory; empty for a whole model, whose own
   *     weights are its files
   */
  public record FineTune(ChatModel model, OptionalLong adapterBytes) {}

  /**
   * The fine-tune of this model stored in {@code dir}: a PEFT adapter directory ({@code
   * adapter_config.json}), applied at forward time over this model's weights (see {@link
   * #withAdapter}); otherwise a whole model directory whose weights replace this model's. A
   * missing, unreadable or unfit directory is an IOException naming it.
   *
   * <p>When {@code dir} records the template it was trained with ({@link TrainedTemplate}), this
   * model's template, special tokens and tokenizer file must still be those; a fine-tune from
   * before Lathe recorded them is served as it is (logged once per directory).
   *
   * @throws TemplateMismatchException when this model's template, special tokens or tokenizer
   *     changed since the fine-tune was trained
   */
  public FineTune withFineTune(Path dir) throws IOException {
    requireTrainedTemplate(dir, fingerprint, true);
    if (Files.isRegularFile(dir.resolve("adapter_config.json"))) {
      AdapterSet adapters = AdapterSet.read(dir);
      return new FineTune(adaptedBy(adapters), OptionalLong.of(adapters.bytes()));
    }
    LanguageModel full = ModelLoader.load(dir).model();
    // its caches hold keys and values as this model's do (serving.kv_cache_dtype)
    return new FineTune(withWeights(full.withKvDtype(model.kvDtype())), OptionalLong.empty());
  }

  /** Opens the model named by {@code spec}; {@code environment} supplies the HF_* settings. */
  public static ChatModel open(String spec, Optional<Path> tokenizerFile, HubSettings hub)
      throws IOException {
    return open(spec, tokenizerFile, hub, LoadOptions.DEFAULT);
  }

  /**
   * Opens the model named by {@code spec} with its weights held as {@code options} say (e.g.
   * quantized to Q8_0 on load); {@code hub} supplies the HF_* settings.
   */
  public static ChatModel open(
      String spec, Optional<Path> tokenizerFile, HubSettings hub, LoadOptions options)
      throws IOException {
    Path path = ModelSource.localPath(spec, hub);
    if (Files.isDirectory(path)) {
      return openDirectory(path, options);
    }
    if (path.getFileName().toString().endsWith(".gguf")) {
      return GgufChatModel.open(path, options);
    }
    return openLlama2c(path, tokenizerFile, options);
  }

  /**
   * Requires the {@link TrainedTemplate} stored in fine-tune directory {@code dir}, if any, to be
   * {@code current}'s, the fingerprint of the tokenizer and template that would serve it (null: a
   * model without a Hugging Face tokenizer, which no fine-tune was trained with).
   *
   * @param logMissing whether a directory without one is logged (once) as an older fine-tune
   */
  private static void requireTrainedTemplate(
      Path dir, Supplier<TrainedTemplate> current, boolean logMissing) throws IOException {
    Optional<TrainedTemplate> trained = TrainedTemplate.read(dir);
    if (trained.isEmpty()) {
      if (logMissing && UNCHECKED.add(dir.toAbsolutePath())) {
        LOG.log(
            System.Logger.Level.INFO,
            dir
                + " has no "
                + TrainedTemplate.FILE_NAME
                + " (a fine-tune from before Lathe recorded its chat template and tokenizer):"
                + " served without checking that its base's template is the one it was trained"
                + " with");
      }
      return;
    }
    if (current == null) {
      throw new TemplateMismatchException(
          dir.toString(),
          TemplateMismatchException.Part.TOKENIZER,
          trained.get().tokenizerSha256(),
          "none (the base has no tokenizer.json)");
    }
    trained.get().requireSame(current.get(), dir.toString());
  }

  private static final System.Logger LOG = System.getLogger(ChatModel.class.getName());

  /** Fine-tune directories already logged as having no trained template. */
  private static final Set<Path> UNCHECKED = ConcurrentHashMap.newKeySet();

  private static ChatModel openDirectory(Path directory, LoadOptions options) throws IOException {
    LoadedModel loaded = ModelLoader.load(directory, options);
    HfTokenizer tokenizer;
    try {
      tokenizer = HfTokenizer.load(directory);
    } catch (IllegalArgumentException e) {
      throw new IOException(directory + ": cannot load its tokenizer (" + e.getMessage() + ")", e);
    }
    return of(loaded, tokenizer, directory);
  }

  /**
   * {@code loaded} with a Hugging Face tokenizer: its chat template (else the plain format), its
   * default BOS, and its EOS and end-of-turn ids as stops; closing the result closes the tokenizer.
   * When {@code directory} (a model directory with its own tokenizer files, else null) is a merged
   * fine-tune, its tokenizer and template must be those it trained with.
   */
  static ChatModel of(LoadedModel loaded, HfTokenizer tokenizer, Path directory)
      throws IOException {
    Set<Integer> stops = new LinkedHashSet<>(loaded.generation().eosTokenIds());
    for (int id : tokenizer.eosTokenIds()) {
      stops.add(id);
    }
    Optional<ChatTemplate> own = ChatTemplate.of(tokenizer);
    ChatTemplate template = own.orElseGet(() -> ChatTemplate.plain(tokenizer.eosToken()));
    if (directory != null) {
      try {
        // a merged fine-tune carries its base's tokenizer files: they must be those it trained with
        requireTrainedTemplate(directory, () -> TrainedTemplate.of(tokenizer, template), false);
      } catch (IOException | RuntimeException e) {
        tokenizer.close();
        throw e;
      }
    }
    PromptEncoder encoder =
        new PromptEncoder() {
          @Override
          public int[] prompt(String text) {
            return tokenizer.encodeWithSpecials(text, true);
          }

          @Override
          public int[] rendered(String text, boolean addBos) {
            int[] ids = tokenizer.encodeChat(text).ids();
            OptionalInt bos = tokenizer.bosTokenId();
            if (!addBos || bos.isEmpty() || (ids.length > 0 && ids[0] == bos.getAsInt())) {
              return ids;
            }
            int[] withBos = new int[ids.length + 1];
            withBos[0] = bos.getAsInt();
            System.arraycopy(ids, 0, withBos, 1, ids.length);
            return withBos;
          }
        };
    return new ChatModel(
        loaded.model(),
        tokenizer,
        encoder,
        template,
        own.isEmpty(),
        stops,
        () -> TrainedTemplate.of(tokenizer, template),
        tokenizer);
  }

  private static ChatModel openLlama2c(
      Path checkpoint, Optional<Path> tokenizerFile, LoadOptions options) throws IOException {
    if (!checkpoint.getFileName().toString().endsWith(".bin")) {
      throw new IOException(
          checkpoint
              + ": not a model: expected a Hugging Face model directory, a llama2.c .bin "
              + "checkpoint, a .gguf file or a Hub repo id org/name");
    }
    Path tokenizerPath = tokenizerFile.orElseGet(() -> siblingTokenizer(checkpoint));
    if (tokenizerPath == null) {
      throw new IOException(
          checkpoint
              + ": no llama2.c tokenizer beside it (tokenizer.bin or tok*.bin); pass "
              + "--tokenizer FILE");
    }
    LoadedModel loaded = ModelLoader.load(checkpoint, options);
    Llama2cTokenizer tokenizer = Llama2cTokenizer.load(tokenizerPath);
    PromptEncoder encoder =
        new PromptEncoder() {
          @Override
          public int[] prompt(String text) {
            return tokenizer.encode(text, true, false);
          }

          @Override
          public int[] rendered(String text, boolean addBos) {
            return encodeWithSpecials(tokenizer, text, addBos, null, LLAMA2C_EOS);
          }
        };
    return new ChatModel(
        loaded.model(),
        tokenizer,
        encoder,
        ChatTemplate.plain(LLAMA2C_EOS),
        true,
        Set.of(Llama2cTokenizer.EOS),
        null,
        () -> {});
  }

  /** The EOS string the plain chat format writes for llama2.c models (encoded as id 2). */
  private static final String LLAMA2C_EOS = "</s>";

  /**
   * Encodes rendered chat {@code text}, turning each {@code eos} string (and each {@code bos}
   * string unless null) into its id rather than characters.
   */
  static int[] encodeWithSpecials(
      Llama2cTokenizer tokenizer, String text, boolean addBos, String bos, String eos) {
    List<Integer> ids = new ArrayList<>();
    if (addBos) {
      ids.add(tokenizer.bosId());
    }
    int at = 0;
    while (at <= text.length()) {
      int e = text.indexOf(eos, at);
      int b = bos == null ? -1 : text.indexOf(bos, at);
      boolean isBos = b >= 0 && (e < 0 || b < e);
      int next = isBos ? b : e;
      String part = text.substring(at, next < 0 ? text.length() : next);
      if (!part.isEmpty()) {
        for (int id : tokenizer.encode(part, false, false)) {
          ids.add(id);
        }
      }
      if (next < 0) {
        break;
      }
      ids.add(isBos ? tokenizer.bosId() : tokenizer.eosId());
      at = next + (isBos ? bos : eos).length();
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private static Path siblingTokenizer(Path checkpoint) {
    Path directory = checkpoint.toAbsolutePath().getParent();
    Path named = directory.resolve("tokenizer.bin");
    if (Files.isRegularFile(named)) {
      return named;
    }
    try (Stream<Path> files = Files.list(directory)) {
      List<Path> candidates =
          files
              .filter(p -> p.getFileName().toString().matches("tok.*\\.bin"))
              .filter(p -> !p.equals(checkpoint.toAbsolutePath()))
              .toList();
      return candidates.size() == 1 ? candidates.get(0) : null;
    } catch (IOException e) {
      return null;
    }
  }
}
