defmodule Shop.Cart do
  @moduledoc "A shopping cart."
  alias Shop.Item

  @doc "Adds an item."
  @spec add(map(), Item.t()) :: map()
  def add(cart, item) do
    Map.update(cart, item.id, 1, &(&1 + 1))
  end

  defp total(cart) when is_map(cart), do: Enum.sum(Map.values(cart))

  defmacro empty?(cart) do
    quote do: map_size(unquote(cart)) == 0
  end
end
