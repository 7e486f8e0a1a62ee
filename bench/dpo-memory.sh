#!/usr/bin/env bash
# Peak resident memory of DPO with LoRA against SFT with LoRA on the same model and data.
#
#   bench/dpo-memory.sh            (LAYERS=4 HIDDEN=1024 HEAP=... to change the model or the heap)
#
# DPO's reference policy is the base model with the LoRA adapters switched off, so a DPO run holds
# one copy of the base weights, as SFT does. To make that visible the weights must dominate the
# process, so the script first writes a larger random Llama model (TinyStories-656K's tokenizer and
# config, widened: HIDDEN, 2.75·HIDDEN feed-forward, LAYERS layers, f32, about LAYERS·12.6·HIDDEN²
# parameters), then runs `lathe train` twice with the same JVM settings, SFT on 20 chat examples
# and DPO on 20 preference pairs with the same prompts and preferred answers, 2 epochs, batch 5,
# LoRA rank 8, context 64, 128 positions per micro-batch, serial GC.
#
# A. Same heap limit (HEAP, default 3 × the weights): /usr/bin/time's maximum resident set size of
#    each run, their ratio and difference in units of the weights (a second copy of the base would
#    add about 1.0). Both peaks include the merged-model export at the end, which itself holds the
#    merged weights next to the base.
# B. A heap of 1.9 × the weights (TIGHT_HEAP), too small for two copies: both runs must still finish
#    every training step (the export after training then runs out of heap in both, expectedly); a
#    DPO run holding a second copy of the base could not even start training.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
JAVA="$JAVA_HOME/bin/java"
SHARED="${LATHE_SHARED:-$(cd .. && pwd)/shared}"
TOK="$SHARED/models/hf-TinyStories-656K"
LAYERS="${LAYERS:-4}"
HIDDEN="${HIDDEN:-1024}"
[ -f "$TOK/tokenizer.json" ] || { echo "missing $TOK (set LATHE_SHARED)" >&2; exit 2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -o -pl cli -am package -DskipTests -Dspotless.check.skip=true
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-dpo-memory.XXXXXX")
trap '[ "${KEEP:-0}" = 1 ] || rm -rf "$dir"' EXIT
mkdir -p "$dir/model"
cp "$TOK"/tokenizer.json "$TOK"/tokenizer_config.json "$TOK"/special_tokens_map.json "$dir/model/"
python3 - "$TOK/config.json" "$dir/model" "$LAYERS" "$HIDDEN" <<'PY'
import json, struct, sys
import numpy as np
src, out, layers, hidden = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cfg = json.load(open(src))
ffn = hidden * 11 // 4 // 64 * 64
heads = hidden // 64
cfg.update(hidden_size=hidden, intermediate_size=ffn, num_hidden_layers=layers,
           num_attention_heads=heads, num_key_value_heads=heads // 2)
json.dump(cfg, open(out + "/config.json", "w"), indent=2)
v, kv = cfg["vocab_size"], hidden // 2
rng = np.random.default_rng(1)
shapes = [("lm_head.weight", (v, hidden)), ("model.norm.weight", (hidden,))]
for l in range(layers):
    p = f"model.layers.{l}."
    shapes += [(p + "input_layernorm.weight", (hidden,)),
               (p + "post_attention_layernorm.weight", (hidden,)),
               (p + "self_attn.q_proj.weight", (hidden, hidden)),
               (p + "self_attn.k_proj.weight", (kv, hidden)),
               (p + "self_attn.v_proj.weight", (kv, hidden)),
               (p + "self_attn.o_proj.weight", (hidden, hidden)),
               (p + "mlp.gate_proj.weight", (ffn, hidden)),
               (p + "mlp.up_proj.weight", (ffn, hidden)),
               (p + "mlp.down_proj.weight", (hidden, ffn))]
header, offset, blobs = {}, 0, []
for name, shape in shapes:
    a = np.ones(shape, "<f4") if name.endswith("norm.weight") else \
        (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype("<f4")
    b = a.tobytes()
    header[name] = {"dtype": "F32", "shape": list(shape), "data_offsets": [offset, offset + len(b)]}
    offset += len(b)
    blobs.append(b)
header["__metadata__"] = {"format": "pt"}
h = json.dumps(header).encode()
h += b" " * (-len(h) % 8)
with open(out + "/model.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h)
    for b in blobs:
        f.write(b)
print(f"model: {layers} layers, hidden {hidden}, ffn {ffn}, vocab {v}: {offset / 2**20:.0f} MiB of f32 weights")
PY

animals=(dog cat bird cow frog duck fish bear lion pig horse sheep bunny mouse owl fox bee goat snake turtle)
: > "$dir/chat.jsonl"; : > "$dir/pairs.jsonl"
for a in "${animals[@]}"; do
  q="How is the $a today?"; good="The $a is happy and plays all day."; bad="The $a is sad and goes home."
  printf '{"messages":[{"role":"user","content":"%s"},{"role":"assistant","content":"%s"}]}\n' \
    "$q" "$good" >> "$dir/chat.jsonl"
  printf '{"input":{"messages":[{"role":"user","content":"%s"}]},"preferred_output":[{"role":"assistant","content":"%s"}],"non_preferred_output":[{"role":"assistant","content":"%s"}]}\n' \
    "$q" "$good" "$bad" >> "$dir/pairs.jsonl"
done

weights=$(stat -c %s "$dir/model/model.safetensors")
run() { # heap, name, extra train args...
  local heap=$1 name=$2; shift 2
  /usr/bin/time -f "%M" -o "$dir/$name.rss" "$JAVA" --add-modules jdk.incubator.vector \
    --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC "-Xmx$heap" -jar cli/target/lathe.jar train \
    --model "$dir/model" --epochs 2 --batch-size 5 --lora-rank 8 --seed 1 --context 64 \
    --micro-batch-tokens 128 --out "$dir/out-$name" "$@" > "$dir/$name.log" 2>&1
}
echo "machine: $(nproc) cores; java -XX:+UseSerialGC; weights $((weights / 1048576)) MiB"

heap="${HEAP:-$((weights * 3 / 1048576))m}"
echo "A. -Xmx$heap"
for m in sft dpo; do
  args=(--train "$dir/chat.jsonl"); [ $m = dpo ] && args=(--dpo --train "$dir/pairs.jsonl")
  run "$heap" "$m" "${args[@]}" || { cat "$dir/$m.log" >&2; exit 1; }
  echo "   $m: peak RSS $(( $(cat "$dir/$m.rss") / 1024 )) MiB"
done
awk -v s="$(cat "$dir/sft.rss")" -v d="$(cat "$dir/dpo.rss")" -v w="$weights" 'BEGIN {
  printf "   DPO/SFT peak RSS %.3f; DPO - SFT = %.0f MiB (%.2f of the weights)\n",
    d / s, (d - s) / 1024, (d - s) * 1024 / w }'

tight="${TIGHT_HEAP:-$((weights * 19 / 10 / 1048576))m}"
echo "B. -Xmx$tight (two copies of the weights need $((2 * weights / 1048576)) MiB)"
for m in sft dpo; do
  args=(--train "$dir/chat.jsonl"); [ $m = dpo ] && args=(--dpo --train "$dir/pairs.jsonl")
  run "$tight" "tight-$m" "${args[@]}" || true
  if grep -q "step 8/8" "$dir/tight-$m.log"; then
    echo "   $m: all 8 training steps done within the heap"
  else
    echo "   $m: did NOT finish training:"; grep -m1 -E "Error|Exception" "$dir/tight-$m.log" | sed 's/^/     /'
  fi
done
