"""A tiny randomly initialised BERT and a word-level WordPiece tokenizer, built offline for tests."""

from pathlib import Path

WORDS = ["anna", "bob", "carla", "paris", "oslo", "rome", "acme", "volvo", "visited", "hired", "in", "on",
         "monday", "the", "new", "york", "times", "."]


def make_tiny(folder: Path):
    from transformers import BertConfig, BertModel, BertTokenizer

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, "##s", "##er", "x", "##x"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizer(vocab={w: i for i, w in enumerate(vocab)}, do_lower_case=True)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    model = BertModel(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return tokenizer, model
