changesets = [
  resource_halts: Stream.resource(fn -> 0 end, fn 3 -> {:halt, 3}; n -> {[n, n * 10], n + 1} end, fn _ -> :ok end) |> Enum.to_list(),
  resource_take: Stream.resource(fn -> 1 end, fn n -> {[n], n * 2} end, fn _ -> :ok end) |> Enum.take(5),
  resource_pipeline: Stream.resource(fn -> ["a", "b"] end, fn [] -> {:halt, []}; [h | t] -> {[String.upcase(h)], t} end, fn _ -> nil end) |> Stream.map(&(&1 <> "!")) |> Enum.join(","),
]
