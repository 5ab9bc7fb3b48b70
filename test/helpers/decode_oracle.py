"""Reference for decoding generated ids the way Python's Qwen2 tokenizer does with
skip_special_tokens=True: special tokens dropped, each byte-level token mapped back to its bytes (the
GPT-2 byte-to-unicode table), the bytes joined and decoded as UTF-8 with errors="replace".

stdin: {"tokens": {"<id>": "<token string>"}, "special": [ids], "sequences": [[ids], ...]}
stdout: a JSON list of decoded strings, one per sequence.
"""
import json
import sys


def byte_table():
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("\u00a1"), ord("\u00ac") + 1))
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    )
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, chars)}


def main():
    req = json.load(sys.stdin)
    tokens = {int(k): v for k, v in req["tokens"].items()}
    special = set(req["special"])
    to_byte = byte_table()
    out = []
    for seq in req["sequences"]:
        data = bytearray()
        for i in seq:
            if i in special:
                continue
            data.extend(to_byte[c] for c in tokens[i])
        out.append(data.decode("utf-8", errors="replace"))
    json.dump(out, sys.stdout)


main()
