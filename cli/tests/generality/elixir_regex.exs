# Regex semantics: without the `u` modifier PCRE classes are ASCII only.
changesets = [
  word_ascii: Regex.match?(~r/^\w+$/, "jose_99"),
  word_accented: Regex.match?(~r/^\w+$/, "josé"),
  word_unicode: Regex.match?(~r/^\w+$/u, "josé"),
  class_with_word: Regex.scan(~r/[\w.]+/, "a.b ñ c_d"),
  not_word: String.split("a-b.c", ~r/\W/),
  digits: Regex.run(~r/\d+/, "room ٣ 42"),
  digits_unicode: Regex.run(~r/\d+/u, "٣٣ 42"),
  spaces: String.split("a\u00a0b c", ~r/\s/),
  boundary: Regex.replace(~r/\bcat\b/, "cat concat cat", "dog"),
  braces: Regex.run(~r/%{(\w+)}/, "Hello %{name}!"),
  email: Regex.match?(~r/^[\w.+-]+@[\w-]+\.[\w.]+$/, "ana.maria+x@example.co.uk"),
  caseless: Regex.match?(~r/^hello$/i, "HeLLo"),
  named: Regex.named_captures(~r/(?<year>\d{4})-(?<month>\d{2})/, "on 2024-05-01"),
]
