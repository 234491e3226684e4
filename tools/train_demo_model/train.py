#!/usr/bin/env python3
"""Trains Switchboard's embedded demo model, tiny-shakespeare, in one run.

Three steps, each writing plain Hugging Face files:
  1. a byte-level BPE tokenizer trained on the corpus (tokenizers library);
  2. a small LlamaForCausalLM trained from scratch for a fixed wall-clock budget,
     saved in bfloat16 safetensors;
  3. a reference file of transformers' own outputs for the saved folder, which our C++
     local provider is tested against.

Usage (from the repository root, on a machine with a GPU):
  python3 tools/train_demo_model/train.py --corpus ../shared/data/tinyshakespeare.txt \
      --model-out OUT/tiny-shakespeare --reference-out OUT/demo_model_reference.json
  python3 tools/train_demo_model/train.py --reference-only \
      --model-out registry/models/tiny-shakespeare --reference-out tests/fixtures/demo_model_reference.json

See README.md beside this file for the choices and why they were made.
"""

import argparse
import hashlib
import json
import math
import platform
import sys
import time
from pathlib import Path

import safetensors
import tokenizers
import torch
import torch.nn.functional as F
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

BOS = "<|begin_of_text|>"
EOS = "<|end_of_text|>"

# The conversation is rendered as a play: every message is one speech, speeches are
# separated by a blank line as in the corpus, and the generation prompt is that blank line,
# so the model answers with the next speech ("NAME:\n..."). Without a generation prompt the
# rendering ends with the last message, and the model simply continues its text.
CHAT_TEMPLATE = (
    r"{{ bos_token }}{% for message in messages %}{{ message['content'] }}"
    r"{% if not loop.last or add_generation_prompt %}{{ '\n\n' }}{% endif %}{% endfor %}"
)

# Architecture: ~5M parameters, so the bf16 file is ~10 MB and the model runs at
# interactive speed on any CPU; GQA and tied embeddings so the demo exercises both.
MODEL_SHAPE = dict(
    hidden_size=256,
    num_hidden_layers=6,
    num_attention_heads=4,
    num_key_value_heads=2,
    intermediate_size=768,
    max_position_embeddings=512,
    rms_norm_eps=1e-5,
    tie_word_embeddings=True,
    rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
)

VOCAB_SIZE = 2048  # includes the 256 byte symbols and the two special tokens
BLOCK_SIZE = 256  # tokens a training window predicts; the first input is always BOS
BATCH_SIZE = 64
PEAK_LR = 1e-3
MIN_LR = 1e-4
WARMUP_STEPS = 200
WEIGHT_DECAY = 0.1
# The corpus is ~350k tokens and five minutes on an H100 is hundreds of passes over it, so
# without regularisation the model memorises the training text. Residual dropout (as in
# GPT-2/nanoGPT) is added with hooks because LlamaForCausalLM has no hidden-state dropout;
# hooks are not saved, so the shipped model is a plain Llama.
DROPOUT = 0.2
EVAL_EVERY = 100
VALIDATION_FRACTION = 0.05
SEED = 1337

REFERENCE_PROMPTS = [
    "ROMEO:\nBut soft, what light",
    "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\n",
    # Characters the corpus never contains: the tokenizer must fall back to byte tokens.
    "Thou art — ¿qué? — a naïve 🙂 knave",
]
REFERENCE_CHAT = [{"role": "user", "content": "Good morrow, kind sir. What news from Verona?"}]
GREEDY_TOKENS = 32


def train_tokenizer(corpus: str) -> Tokenizer:
    """Byte-level BPE in the GPT-2 style: any UTF-8 input encodes, nothing maps to <unk>."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=VOCAB_SIZE,
        special_tokens=[BOS, EOS],
        # All 256 byte symbols, not only those the corpus uses, so emoji and accents encode.
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    # One item: splitting into lines would hide the "\n\n" speech separators from the merges.
    tokenizer.train_from_iterator([corpus], trainer=trainer)
    bos_id = tokenizer.token_to_id(BOS)
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B:1", special_tokens=[(BOS, bos_id)]
    )
    return tokenizer


def save_tokenizer(tokenizer: Tokenizer, folder: Path) -> PreTrainedTokenizerFast:
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=BOS,
        eos_token=EOS,
        model_max_length=MODEL_SHAPE["max_position_embeddings"],
        # Decoding must give back exactly the bytes that were encoded.
        clean_up_tokenization_spaces=False,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    # The chat template goes inside tokenizer_config.json (the layout most hub models have),
    # not in a separate chat_template.jinja.
    wrapped.save_pretrained(folder, save_jinja_files=False)
    config_path = folder / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    jinja_path = folder / "chat_template.jinja"
    if "chat_template" not in config and jinja_path.exists():
        config["chat_template"] = jinja_path.read_text(encoding="utf-8")
        config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        jinja_path.unlink()
    if json.loads(config_path.read_text(encoding="utf-8")).get("chat_template") != CHAT_TEMPLATE:
        raise RuntimeError(f"{config_path}: chat_template was not saved as given")
    return wrapped


def add_residual_dropout(model: LlamaForCausalLM, p: float) -> list:
    def dropout_hook(module, inputs, output):
        return F.dropout(output, p=p, training=module.training)

    modules = [model.model.embed_tokens]
    for layer in model.model.layers:
        modules += [layer.self_attn.o_proj, layer.mlp.down_proj]
    return [m.register_forward_hook(dropout_hook) for m in modules]


def windows_with_bos(tokens: torch.Tensor, starts: torch.Tensor, bos_id: int):
    """Inputs [BOS, t0 .. t254] and targets [t0 .. t255] for each start.

    Every window begins with BOS because every prompt the model will see at inference
    does (the post-processor and the chat template add it), so BOS must be a trained
    "start reading here" token rather than an unseen embedding.
    """
    index = starts[:, None] + torch.arange(BLOCK_SIZE, device=tokens.device)[None, :]
    targets = tokens[index]
    bos_column = torch.full((len(starts), 1), bos_id, dtype=tokens.dtype, device=tokens.device)
    inputs = torch.cat([bos_column, targets[:, :-1]], dim=1)
    return inputs, targets


def loss_of(model, inputs, targets) -> torch.Tensor:
    logits = model(input_ids=inputs, use_cache=False).logits
    return F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.view(-1))


@torch.no_grad()
def validation_loss(model, val_tokens: torch.Tensor, bos_id: int, device: str) -> float:
    model.eval()
    starts = torch.arange(0, len(val_tokens) - BLOCK_SIZE + 1, BLOCK_SIZE, device=val_tokens.device)
    total, count = 0.0, 0
    for chunk in starts.split(BATCH_SIZE):
        inputs, targets = windows_with_bos(val_tokens, chunk, bos_id)
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            total += loss_of(model, inputs, targets).item() * targets.numel()
        count += targets.numel()
    model.train()
    return total / count


def train_model(config: LlamaConfig, train_tokens, val_tokens, bos_id: int, budget_s: float, device: str, log):
    torch.manual_seed(SEED)
    model = LlamaForCausalLM(config).to(device)
    model.train()
    hooks = add_residual_dropout(model, DROPOUT)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"parameters: {n_params:,} (tied embeddings counted once)")

    # Weight decay on matrices only; norms and the embedding keep their scale.
    decayed = [p for n, p in model.named_parameters() if p.dim() >= 2 and "embed_tokens" not in n]
    kept = [p for n, p in model.named_parameters() if p.dim() < 2 or "embed_tokens" in n]
    optimizer = torch.optim.AdamW(
        [{"params": decayed, "weight_decay": WEIGHT_DECAY}, {"params": kept, "weight_decay": 0.0}],
        lr=PEAK_LR,
        betas=(0.9, 0.95),
        fused=(device == "cuda"),
    )
    generator = torch.Generator(device=device).manual_seed(SEED)

    # The cosine runs over wall-clock time rather than steps, because the budget is a time.
    def learning_rate(step: int, progress: float) -> float:
        if step < WARMUP_STEPS:
            return PEAK_LR * (step + 1) / WARMUP_STEPS
        return MIN_LR + 0.5 * (PEAK_LR - MIN_LR) * (1 + math.cos(math.pi * min(progress, 1.0)))

    best = {"val_loss": float("inf"), "step": 0, "seconds": 0.0, "state": None}
    history = []
    running_loss = torch.zeros((), device=device)
    running_steps = 0
    step = 0
    start = time.perf_counter()
    while True:
        elapsed = time.perf_counter() - start
        if step % EVAL_EVERY == 0 or elapsed >= budget_s:
            val = validation_loss(model, val_tokens, bos_id, device)
            # Mean training loss since the last evaluation (None before the first step: JSON has no NaN).
            train = (running_loss / running_steps).item() if running_steps else None
            running_loss.zero_()
            running_steps = 0
            history.append({"step": step, "seconds": round(elapsed, 1), "train_loss": train, "val_loss": val})
            log(f"step {step:6d}  {elapsed:6.1f}s  train {train if train is None else round(train, 4)}  val {val:.4f}")
            # Keep the weights with the best validation loss: early stopping inside a fixed budget.
            if val < best["val_loss"]:
                best.update(val_loss=val, step=step, seconds=elapsed)
                best["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if elapsed >= budget_s:
                break
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, elapsed / budget_s)
        starts = torch.randint(0, len(train_tokens) - BLOCK_SIZE, (BATCH_SIZE,), device=device, generator=generator)
        inputs, targets = windows_with_bos(train_tokens, starts, bos_id)
        with torch.autocast(device_type=device, dtype=torch.bfloat16):
            loss = loss_of(model, inputs, targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running_loss += loss.detach()
        running_steps += 1
        step += 1

    for hook in hooks:
        hook.remove()
    model.load_state_dict(best["state"])
    summary = {
        "parameters": n_params,
        "steps": step,
        "seconds": round(time.perf_counter() - start, 1),
        "best_val_loss": best["val_loss"],
        "best_step": best["step"],
        "best_seconds": round(best["seconds"], 1),
        "last_train_loss": history[-1]["train_loss"],
        "tokens_per_step": BATCH_SIZE * BLOCK_SIZE,
        "history": history,
    }
    return model, summary


def top_margin(logits: torch.Tensor) -> float:
    top2 = torch.topk(logits, 2).values
    return float(top2[0] - top2[1])


@torch.no_grad()
def make_reference(folder: Path, command: str, training: dict | None) -> dict:
    """transformers' outputs for the saved folder, on the CPU in float32 with eager attention."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").to("cpu")
    model.eval()

    prompts = []
    for text in REFERENCE_PROMPTS:
        input_ids = tokenizer(text)["input_ids"]
        # The model was trained with BOS first; a tokenizer that lost its post-processor on
        # reload would make every reference below describe a prompt the model never saw.
        if input_ids[0] != tokenizer.bos_token_id:
            raise RuntimeError(f"{folder}: tokenizer({text!r}) does not start with {BOS}: {input_ids[:4]}")
        logits = model(input_ids=torch.tensor([input_ids])).logits[0, -1]
        top5 = torch.topk(logits, 5)
        # Greedy: argmax of a full forward pass over the whole sequence at every step (no KV
        # cache, EOS not treated specially), so it is exactly 32 tokens.
        sequence = list(input_ids)
        new_ids, margins = [], []
        for _ in range(GREEDY_TOKENS):
            step_logits = model(input_ids=torch.tensor([sequence])).logits[0, -1]
            next_id = int(torch.argmax(step_logits))
            margins.append(round(top_margin(step_logits), 6))
            new_ids.append(next_id)
            sequence.append(next_id)
        prompts.append(
            {
                "text": text,
                "input_ids": input_ids,
                "last_top5": {"ids": top5.indices.tolist(), "values": [round(v, 6) for v in top5.values.tolist()]},
                "last_top1_top2_margin": round(top_margin(logits), 6),
                "last_logits": [round(v, 6) for v in logits.tolist()],
                "greedy": {
                    "n_new": GREEDY_TOKENS,
                    "ids": new_ids,
                    "text": tokenizer.decode(new_ids),
                    "top1_top2_margins": margins,
                    "min_margin": min(margins),
                },
            }
        )

    chat = {"messages": REFERENCE_CHAT}
    for add_generation_prompt in (True, False):
        rendered = tokenizer.apply_chat_template(REFERENCE_CHAT, tokenize=False, add_generation_prompt=add_generation_prompt)
        key = "with_generation_prompt" if add_generation_prompt else "without_generation_prompt"
        # The template writes BOS itself, so the rendering is encoded without adding specials
        # (what apply_chat_template(tokenize=True) does).
        chat[key] = {"rendered": rendered, "ids": tokenizer(rendered, add_special_tokens=False)["input_ids"]}

    generation = json.loads((folder / "generation_config.json").read_text(encoding="utf-8"))
    return {
        "schema_version": 1,
        "model_dir": "registry/models/tiny-shakespeare",
        "model_type": model.config.model_type,
        "vocab_size": model.config.vocab_size,
        "tokenizer_len": len(tokenizer),
        "special_token_ids": {
            "bos": tokenizer.bos_token_id,
            "eos": tokenizer.eos_token_id,
            "generation_eos": generation.get("eos_token_id"),
        },
        "reference_compute": "transformers on CPU, float32 (bf16 weights upcast exactly), attn_implementation=eager",
        "input_ids_rule": "tokenizer(text) with defaults: the post-processor prepends <|begin_of_text|>",
        "prompts": prompts,
        "chat_template": chat,
        "training": training,
        "source": {
            "script": "tools/train_demo_model/train.py",
            "command": command,
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "safetensors": safetensors.__version__,
        },
    }


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/tinyshakespeare.txt"))
    parser.add_argument("--model-out", type=Path, required=True, help="model folder to write (or read, with --reference-only)")
    parser.add_argument("--reference-out", type=Path, required=True, help="reference JSON to write")
    parser.add_argument("--train-seconds", type=float, default=300.0, help="wall-clock training budget")
    parser.add_argument("--reference-only", action="store_true", help="skip training; recompute the reference of --model-out")
    parser.add_argument("--command", default=None, help="the command line to record in the reference (default: this one)")
    args = parser.parse_args()
    command = args.command or "python3 " + " ".join(sys.argv)

    def log(message: str) -> None:
        print(message, flush=True)

    if args.reference_only:
        existing = json.loads(args.reference_out.read_text(encoding="utf-8")) if args.reference_out.exists() else {}
        reference = make_reference(args.model_out, command, existing.get("training"))
        write_json(args.reference_out, reference)
        log(f"wrote {args.reference_out}")
        return

    device = "cuda" if torch.cuda.is_available() else "cpu"
    log(f"device: {torch.cuda.get_device_name() if device == 'cuda' else platform.processor() or 'cpu'}")
    corpus_bytes = args.corpus.read_bytes()
    corpus = corpus_bytes.decode("utf-8")
    log(f"corpus: {args.corpus} ({len(corpus_bytes)} bytes, sha256 {hashlib.sha256(corpus_bytes).hexdigest()})")

    folder = args.model_out
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(corpus)
    save_tokenizer(tokenizer, folder)
    bos_id, eos_id = tokenizer.token_to_id(BOS), tokenizer.token_to_id(EOS)

    ids = tokenizer.encode(corpus, add_special_tokens=False).ids
    split = int(len(ids) * (1 - VALIDATION_FRACTION))
    train_tokens = torch.tensor(ids[:split], dtype=torch.long, device=device)
    val_tokens = torch.tensor(ids[split:], dtype=torch.long, device=device)
    val_chars = len(tokenizer.decode(ids[split:]))
    log(f"tokenizer: {tokenizer.get_vocab_size()} entries; corpus {len(ids)} tokens "
        f"({len(corpus) / len(ids):.2f} chars/token); train {split}, validation {len(ids) - split} (the last 5%)")

    config = LlamaConfig(vocab_size=tokenizer.get_vocab_size(), bos_token_id=bos_id, eos_token_id=eos_id, **MODEL_SHAPE)
    model, summary = train_model(config, train_tokens, val_tokens, bos_id, args.train_seconds, device, log)
    summary["best_val_nats_per_char"] = summary["best_val_loss"] * (len(ids) - split) / val_chars
    summary["device"] = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    summary["corpus_sha256"] = hashlib.sha256(corpus_bytes).hexdigest()
    log(f"trained {summary['steps']} steps in {summary['seconds']} s; best validation loss "
        f"{summary['best_val_loss']:.4f} ({summary['best_val_nats_per_char']:.4f} nats/char) at step "
        f"{summary['best_step']}; last train loss {summary['last_train_loss']}")

    model.generation_config = GenerationConfig(bos_token_id=bos_id, eos_token_id=[eos_id])
    model.to(device="cpu", dtype=torch.bfloat16)
    model.save_pretrained(folder)
    if not (folder / "model.safetensors").exists():
        raise RuntimeError(f"{folder}: save_pretrained wrote no model.safetensors")
    for path in sorted(folder.iterdir()):
        log(f"  {path.name}: {path.stat().st_size} bytes")

    history = summary.pop("history")
    reference = make_reference(folder, command, summary)
    reference["training"]["history"] = history
    write_json(args.reference_out, reference)
    log(f"wrote {args.reference_out}")

    for case in reference["prompts"]:
        log(f"greedy after {case['text']!r}: {case['greedy']['text']!r}")
    sample_tokenizer = AutoTokenizer.from_pretrained(folder)
    sample_model = LlamaForCausalLM.from_pretrained(folder, dtype=torch.float32)
    prompt = sample_tokenizer.apply_chat_template(REFERENCE_CHAT, tokenize=False, add_generation_prompt=True)
    inputs = sample_tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
    torch.manual_seed(SEED)
    sampled = sample_model.generate(**inputs, do_sample=True, temperature=0.8, top_k=40, max_new_tokens=120)
    log("sample (chat, temperature 0.8, top_k 40):\n" + sample_tokenizer.decode(sampled[0]))


if __name__ == "__main__":
    main()
