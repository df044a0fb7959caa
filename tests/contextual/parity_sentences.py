"""The sentences on which zoo's MiniLM encoder is compared with sentence-transformers (>= 1,000, varied).

STS-B test sentences (real text), long ones made of 12 of them (past the 256-token limit: truncation), non-ASCII
text in a dozen scripts, emoji, and edge cases (empty, whitespace, control characters, a very long word).
Built from the prepared `stsb` data set, so nothing with redistribution terms is committed.
"""

STSB_SENTENCES = 900
LONG_SENTENCES = 40

NON_ASCII = [
    "Le café est très bon, n'est-ce pas ?", "Ich möchte über die Straße gehen.", "¿Dónde está la estación?",
    "Crème brûlée à la française", "Åsa och Örjan åker till Malmö.", "Zażółć gęślą jaźń.",
    "Η γρήγορη καφέ αλεπού πηδάει.", "Съешь же ещё этих мягких французских булок.", "这是一个测试句子。",
    "東京は日本の首都です。", "서울은 한국의 수도입니다.", "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया",
    "Ça coûte 5 € ou £4.", "naïve façade coöperate résumé", "The “smart quotes” — and dashes – too…",
    "Straße STRASSE straße", "İstanbul'da ılık bir gün", "Tiếng Việt có dấu", "ﬁ ligature ﬂ ligature",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ", "Ångström, Øresund, Æther", "µ-law and Ω resistance", "½ cup of ¾ milk",
]
EMOJI = [
    "I love this 😀", "😀😃😄😁", "Great job 👍🏽!", "Family: 👨‍👩‍👧‍👦", "Flags 🇫🇷 🇯🇵 🇺🇸",
    "Pizza 🍕 and beer 🍺 tonight", "❤️ you", "The weather is ☀️ then 🌧️", "✅ done, ❌ failed", "🤖 robots",
    "Keycap 1️⃣ 2️⃣", "Mixed 😀 text 中文 and café", "🎉🎉🎉 party time 🎉🎉🎉", "No emoji here", "☺ ☹ ♥",
]
EDGE = [
    "", " ", "\t\n", "a", ".", "...", "?!?!", "12345", "3.14159 is pi", "https://example.com/path?q=1&x=2",
    "user@example.com", "C++ and C# and F#", "don't won't can't", "UPPER CASE SENTENCE", "MiXeD CaSe",
    "word " * 300, "a" * 150, "supercalifragilisticexpialidocious", "tab\tseparated\tvalues", "line\nbreaks\nhere",
    "control\x00char", "bell\x07char", "non\u00a0breaking space", "zero\u200bwidth", "soft\u00adhyphen",
    "[CLS] [SEP] [MASK] [PAD]", "<s> </s> <|endoftext|>", "##suffix", "   leading and trailing   ",
    "repeated repeated repeated repeated",
]


def parity_sentences():
    from zoo.data import load_stsb

    seen, real = set(), []
    for pair in load_stsb("test"):
        for sentence in (pair.sentence1, pair.sentence2):
            if sentence not in seen:
                seen.add(sentence)
                real.append(sentence)
    stsb = real[:STSB_SENTENCES]
    long = [" ".join(real[i * 12:(i + 1) * 12]) for i in range(LONG_SENTENCES)]
    return stsb + long + NON_ASCII + EMOJI + EDGE
