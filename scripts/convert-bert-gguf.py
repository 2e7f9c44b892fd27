#!/usr/bin/env python3
"""Converts a sentence-transformers BERT model (safetensors + tokenizer) to a Q8_0 GGUF file for llama.cpp.

Run by scripts/models.mjs inside the venv it creates under .cache/ (packages pinned in
scripts/models-requirements.txt: gguf 0.19.0, numpy, safetensors, tokenizers; no torch, no transformers).

It follows the BERT path of llama.cpp's convert_hf_to_gguf.py (BertModel):
- architecture `bert`, non-causal attention, pooling from `1_Pooling/config.json` (MEAN for all-MiniLM-L6-v2);
- WordPiece vocabulary in llama.cpp's "phantom space" form (`##x` -> `x`, other non-control tokens -> `▁x`),
  added special tokens as CONTROL, pre-tokenizer `bert-bge`, special token ids and add_bos/add_eos from
  gguf.SpecialVocab;
- the pooler and `embeddings.position_ids` are dropped; 1-D tensors and the position / token-type
  embeddings stay F32, every other 2-D weight is quantised to Q8_0 with gguf.quants.

The output is deterministic: the same inputs give the same bytes.

Usage: convert-bert-gguf.py MODEL_DIR OUT.gguf [--name NAME]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors import safe_open
from tokenizers import Tokenizer

ARCH = gguf.MODEL_ARCH.BERT
ARCH_NAME = gguf.MODEL_ARCH_NAMES[ARCH]
QTYPE = gguf.GGMLQuantizationType.Q8_0
KEEP_F32 = (gguf.MODEL_TENSOR.POS_EMBD, gguf.MODEL_TENSOR.TOKEN_TYPES)


def pooling_type(model_dir: Path) -> gguf.PoolingType:
    pooling = json.loads((model_dir / '1_Pooling' / 'config.json').read_text(encoding='utf-8'))
    if pooling.get('pooling_mode_mean_tokens'):
        return gguf.PoolingType.MEAN
    if pooling.get('pooling_mode_cls_token'):
        return gguf.PoolingType.CLS
    raise SystemExit(f'{model_dir}: only mean or CLS pooling is supported')


def vocab(model_dir: Path, vocab_size: int) -> tuple[list[str], list[int]]:
    """Tokens and token types as convert_hf_to_gguf's get_vocab_base + BertModel.set_vocab make them."""
    tokenizer = Tokenizer.from_file(str(model_dir / 'tokenizer.json'))
    reverse = {i: tok for tok, i in tokenizer.get_vocab(with_added_tokens=True).items()}
    added = {i: tok for i, tok in tokenizer.get_added_tokens_decoder().items()}
    tokens: list[str] = []
    types: list[int] = []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f'[PAD{i}]')
            types.append(gguf.TokenType.UNUSED)
            continue
        token = reverse[i]
        if i in added:
            if not added[i].special:
                raise SystemExit(f'{model_dir}: non-special added token {token!r} is not supported')
            types.append(gguf.TokenType.CONTROL)
            tokens.append(token)
        else:
            types.append(gguf.TokenType.NORMAL)
            # phantom space: word-initial pieces get '▁', continuation pieces lose '##'
            tokens.append(token[2:] if token.startswith('##') else '\u2581' + token)
    return tokens, [int(t) for t in types]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('model_dir', type=Path)
    parser.add_argument('out', type=Path)
    parser.add_argument('--name', default=None, help='general.name (default: the directory name after "__")')
    args = parser.parse_args()
    # gguf.SpecialVocab warns about the CLS id, which llama.cpp's BERT GGUF has no key for (it uses bos).
    logging.basicConfig(level=logging.ERROR)
    model_dir: Path = args.model_dir
    hp = json.loads((model_dir / 'config.json').read_text(encoding='utf-8'))
    if hp.get('model_type') != 'bert' or hp.get('position_embedding_type', 'absolute') != 'absolute':
        raise SystemExit(f'{model_dir}: not a BERT model with absolute position embeddings')
    name = args.name or model_dir.name.split('__')[-1]
    n_blocks = int(hp['num_hidden_layers'])

    writer = gguf.GGUFWriter(path=None, arch=ARCH_NAME)
    writer.add_name(name)
    writer.add_block_count(n_blocks)
    writer.add_context_length(int(hp['max_position_embeddings']))
    writer.add_embedding_length(int(hp['hidden_size']))
    writer.add_feed_forward_length(int(hp['intermediate_size']))
    writer.add_head_count(int(hp['num_attention_heads']))
    writer.add_layer_norm_eps(float(hp['layer_norm_eps']))
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q8_0)
    writer.add_causal_attention(False)
    writer.add_pooling_type(pooling_type(model_dir))

    tokens, types = vocab(model_dir, int(hp['vocab_size']))
    writer.add_token_type_count(int(hp.get('type_vocab_size', 1)))
    writer.add_tokenizer_model('bert')
    writer.add_tokenizer_pre('bert-bge')
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(model_dir, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)

    names = gguf.get_tensor_name_map(ARCH, n_blocks)
    keep_f32 = {gguf.TENSOR_NAMES[t] for t in KEEP_F32}
    with safe_open(str(model_dir / 'model.safetensors'), framework='np') as st:
        for key in st.keys():
            if key.startswith('pooler.') or key == 'embeddings.position_ids':
                continue
            new_name = names.get_name(key, try_suffixes=('.weight', '.bias'))
            if new_name is None:
                raise SystemExit(f'{model_dir}: cannot map tensor {key!r}')
            data = st.get_tensor(key).astype(np.float32)
            if data.ndim <= 1 or new_name.removesuffix('.weight') in keep_f32:
                writer.add_tensor(new_name, data, raw_dtype=gguf.GGMLQuantizationType.F32)
            else:
                q = gguf.quants.quantize(data, QTYPE)
                writer.add_tensor(new_name, q, raw_dtype=QTYPE)  # the writer derives the shape from the bytes

    tmp = args.out.with_name(args.out.name + '.partial')
    writer.write_header_to_file(path=tmp)
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    tmp.replace(args.out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
