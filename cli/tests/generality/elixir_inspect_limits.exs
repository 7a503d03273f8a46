changesets = [
  default_limit_list: inspect(Enum.to_list(1..100)),
  limit_nested: inspect([[1, 2, 3], [4, 5, 6]], limit: 3),
  limit_map_values: inspect(%{a: [1, 2, 3, 4]}, limit: 2),
  limit_tuple: inspect({1, 2, 3, 4}, limit: 2),
  limit_keyword: inspect([a: 1, b: 2, c: 3], limit: 2),
  limit_binary: inspect(<<1, 2, 3, 4, 5>>, limit: 3),
  printable_limit_string: inspect("abcdef", printable_limit: 3),
  printable_limit_charlist: inspect(~c"abcdef", printable_limit: 3),
  printable_limit_default: inspect(String.duplicate("ab", 2100)) |> String.slice(-12, 12),
  long_value_truncated_in_output: String.duplicate("xy", 2050),
  binaries_as_binaries: inspect("é", binaries: :as_binaries),
]
